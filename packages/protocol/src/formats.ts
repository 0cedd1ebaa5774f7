import { FormatRegistry } from '@sinclair/typebox';
import { isUuid } from './api/common.js';

/**
 * TypeBox's own checker (Value.Check, used on files the agent reads) knows no
 * string formats until they are registered; Fastify's Ajv has its own.
 */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', isUuid);
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)));
