/** @jsxRuntime automatic */
import type { ProcessHistoryEntry } from '@gridshare/protocol';
import { useNow } from '../../components/use-now.js';
import { formatAgo, historyDetail, historyTitle } from './format.js';

/** Newest first, as the coordinator keeps it. */
export function ProcessHistory({ events }: { events: ProcessHistoryEntry[] }) {
  const now = useNow();
  if (events.length === 0) return <p className="quiet-note">No state changes recorded yet.</p>;
  return (
    <ol className="timeline" aria-label="History, newest first">
      {events.map((e, i) => (
        <li key={`${e.at}-${i}`} className={`timeline-item timeline-${e.to}`}>
          <span className="timeline-dot" aria-hidden="true" />
          <div className="timeline-body">
            <div className="timeline-title">{historyTitle(e)}</div>
            {historyDetail(e) && <div className="timeline-detail">{historyDetail(e)}</div>}
          </div>
          <time className="timeline-time" dateTime={e.at} title={new Date(e.at).toLocaleString()}>
            {formatAgo(e.at, now)}
          </time>
        </li>
      ))}
    </ol>
  );
}
