import '../../testing/dom.js';
import type { Process } from '@gridshare/protocol';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { h } from '../../testing/app.js';
import { aProcess, BOB, secondsAgo } from '../../testing/fixtures.js';
import { ProcessList } from './process-list.js';

afterEach(cleanup);

const card = (name: string) => screen.getByRole('link', { name }).closest('li')!;

test('every process with its status badge, host user and device; nothing grid-level', () => {
  render(
    h(ProcessList, {
      gridName: 'friends',
      processes: [
        aProcess({ name: 'survival', status: 'online' }),
        aProcess({ name: 'creative', status: 'offline', hostUserId: BOB, hostUsername: 'bob', hostDeviceName: 'laptop' }),
        aProcess({ name: 'old-web', status: 'stopped', stoppedAt: secondsAgo(90), stopReason: 'exited', exitCode: 3 }),
      ],
    }),
  );
  assert.equal(within(card('survival')).getByText('Online', { selector: '.badge' }).className, 'badge badge-online');
  assert.equal(within(card('creative')).getByText('Offline', { selector: '.badge' }).className, 'badge badge-offline');
  assert.equal(within(card('old-web')).getByText('Stopped', { selector: '.badge' }).className, 'badge badge-stopped');
  assert.match(card('creative').textContent!, /bob on laptop/);
  assert.match(card('old-web').textContent!, /the program exited · exit code 3/);
  assert.doesNotMatch(document.body.textContent!, /hosting|orphan/i);
});

test('"last heartbeat" ticks every second; uptime counts from the agent’s figure', async () => {
  const lastHeartbeatAt = secondsAgo(12);
  /** Whole seconds since the heartbeat, by the clock now. */
  const elapsed = () => Math.floor((Date.now() - Date.parse(lastHeartbeatAt)) / 1000);
  const low = elapsed();
  render(h(ProcessList, { gridName: 'friends', processes: [aProcess({ name: 'survival', lastHeartbeatAt, health: { uptimeSeconds: 3600 } })] }));
  const high = elapsed();
  const shown = () => Number(/^(\d+) s ago$/.exec(card('survival').querySelector('.heartbeat-ago')!.textContent ?? '')?.[1] ?? NaN);
  // 12 s ago (13 s if rendering took the clock past a second: a slow machine).
  const first = shown();
  assert.ok(first >= low && first <= high, `shown ${first} s ago, between ${low} and ${high}`);
  assert.match(card('survival').textContent!, /Up 1 h/);
  // And it goes on by itself, with no new props: a later second, never ahead of the clock.
  await waitFor(() => assert.ok(shown() > first, `still ${shown()} s ago`));
  assert.ok(shown() <= elapsed());
});

test('health: CPU, memory, ports open or closed, Minecraft players and MOTD', () => {
  const p: Process = aProcess({
    name: 'survival',
    health: {
      cpuPercent: 12.34,
      rssBytes: 1536 * 1024 * 1024,
      ports: [{ port: 25565, open: true }, { port: 25575, open: false }],
      minecraft: { reachable: true, playersOnline: 3, playersMax: 20, motd: 'A Minecraft Server', version: '1.21' },
    },
  });
  render(h(ProcessList, { gridName: 'friends', processes: [p] }));
  const text = card('survival').textContent!;
  for (const s of ['CPU12 %', 'Memory1.5 GB', '25565 open', '25575 closed', 'Players3/20', 'MOTDA Minecraft Server', 'Version1.21']) {
    assert.ok(text.includes(s), `${s} in ${text}`);
  }
});

test('offline: what it last reported is not shown as current; says it comes back by itself', () => {
  render(h(ProcessList, { gridName: 'friends', processes: [aProcess({ name: 'survival', status: 'offline', lastHeartbeatAt: secondsAgo(30), health: { cpuPercent: 50, minecraft: { reachable: true, playersOnline: 3, playersMax: 20 } } })] }));
  const text = card('survival').textContent!;
  assert.match(text, /Last heartbeat 30 s ago/);
  assert.match(text, /comes back online by itself/);
  assert.doesNotMatch(text, /CPU|Players|grid connect/);
});

test('how to connect, with a copy button; none for a stopped process', () => {
  render(h(ProcessList, { gridName: 'lan party', processes: [aProcess({ name: 'survival' }), aProcess({ name: 'gone', status: 'stopped', stoppedAt: secondsAgo(5) })] }));
  assert.match(card('survival').textContent!, /grid connect survival --grid 'lan party'/);
  assert.ok(within(card('survival')).getByRole('button', { name: 'Copy the connect command for survival' }));
  assert.equal(within(card('gone')).queryByText(/grid connect/), null);
});

test('a private process has no connect command, and says why', () => {
  render(h(ProcessList, { gridName: 'friends', processes: [aProcess({ name: 'secret', private: true })] }));
  assert.match(card('secret').textContent!, /Private: alice shares it without connections through Gridshare/);
  assert.equal(within(card('secret')).queryByText(/grid connect/), null);
});

test('the private note’s lock is a drawn icon hidden from screen readers, not an emoji (Chromium on Debian has no emoji font)', () => {
  render(h(ProcessList, { gridName: 'friends', processes: [aProcess({ name: 'secret', private: true })] }));
  const note = card('secret').querySelector('.private-note')!;
  assert.doesNotMatch(note.textContent!, /\p{Extended_Pictographic}/u);
  const icon = note.querySelector('svg')!;
  assert.ok(icon, 'an inline SVG');
  assert.equal(icon.getAttribute('aria-hidden'), 'true');
  assert.equal(icon.getAttribute('focusable'), 'false');
  assert.equal(note.textContent, 'Private: alice shares it without connections through Gridshare.');
});

test('health with nothing to show (only "alive", or an uptime shown elsewhere) draws no empty band', () => {
  render(
    h(ProcessList, {
      gridName: 'friends',
      processes: [
        aProcess({ name: 'bare', health: { alive: true } }),
        aProcess({ name: 'timed', health: { alive: true, pid: 42, uptimeSeconds: 60, ports: [] } }),
        aProcess({ name: 'busy', health: { cpuPercent: 1 } }),
      ],
    }),
  );
  assert.ok(!card('bare').querySelector('dl.health'), 'no band for only "alive"');
  assert.ok(!card('timed').querySelector('dl.health'), 'no band for a pid and an uptime (the card shows the uptime)');
  assert.ok(card('busy').querySelector('dl.health'), 'something to show: the band is there');
});

test('empty: says how to share the first process', () => {
  render(h(ProcessList, { gridName: 'friends', processes: [] }));
  assert.ok(screen.getByRole('heading', { name: 'Nothing shared yet' }));
  assert.ok(screen.getByText('grid share --grid friends --name web --port 3000'));
});

test('loading until the first snapshot', () => {
  render(h(ProcessList, { gridName: 'friends', processes: null }));
  assert.equal(screen.getByRole('status').textContent, 'Connecting to the grid…');
});

test('force stop is offered to owners and admins, asked twice, and calls back', async () => {
  const stopped: string[] = [];
  const p = aProcess({ name: 'survival' });
  render(h(ProcessList, { gridName: 'friends', processes: [p], onForceStop: async (x: Process) => void stopped.push(x.id) }));
  fireEvent.click(screen.getByRole('button', { name: 'Force stop' }));
  assert.ok(screen.getByText('Stop survival on alice’s desktop?'), 'it says whose PC it stops it on');
  fireEvent.click(screen.getByRole('button', { name: 'Stop it' }));
  await screen.findByRole('button', { name: 'Force stop' });
  assert.deepEqual(stopped, [p.id]);
  cleanup();
  render(h(ProcessList, { gridName: 'friends', processes: [p] }));
  assert.equal(screen.queryByRole('button', { name: 'Force stop' }), null);
});
