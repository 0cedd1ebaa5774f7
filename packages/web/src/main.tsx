/** @jsxRuntime automatic */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBaseClient } from './app/api.js';
import { App } from './app/app.js';
import './styles/base.css';
import './styles/layout.css';
import './styles/components.css';
import './styles/features.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App base={createBaseClient()} />
  </StrictMode>,
);
