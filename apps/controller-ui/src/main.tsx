import { render } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import {
  api,
  ApiError,
  type Fleet,
  type FleetHost,
  type HostState,
  type Incident,
  type IncidentDetail,
  type Session,
  useSession,
} from './api';
import { adviceFor, age, byDomain, sinceFailure, STATE_ORDER, STEP_LABELS } from './format';

type Live = 'connecting' | 'live' | 'reconnecting';

/** A change waiting for the operator's confirmation: it names the host and asks why (kept in the audit). */
interface Pending {
  title: string;
  host: string;
  needsReason: boolean;
  run: (reason: string) => Promise<unknown>;
}

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  useSession(session ?? null, () => setSession(null));
  useEffect(() => {
    api.session().then(
      (r) => setSession(r.session),
      () => setSession(null),
    );
  }, []);
  if (session === undefined) return <p class="loading">Loading…</p>;
  if (session === null) return <SignIn onSignedIn={setSession} />;
  return <Operator session={session} onSignedOut={() => setSession(null)} />;
}

function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [mode, setMode] = useState<'password' | 'token'>('password');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = (e: Event) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    const body: Record<string, string> = {};
    for (const [k, v] of data.entries()) if (typeof v === 'string' && v !== '') body[k] = v;
    setBusy(true);
    setError('');
    api.signIn(body).then(
      (r) => onSignedIn(r.session),
      (err: unknown) => {
        setBusy(false);
        setError(err instanceof Error ? err.message : String(err));
      },
    );
  };
  return (
    <main class="signin">
      <h1>Vigil</h1>
      <p>Sign in with your OpenStack (Keystone) account.</p>
      <div class="tabs" role="tablist">
        <button type="button" aria-selected={mode === 'password'} onClick={() => setMode('password')}>
          Password
        </button>
        <button type="button" aria-selected={mode === 'token'} onClick={() => setMode('token')}>
          Token
        </button>
      </div>
      <form onSubmit={submit} data-testid="signin-form">
        {mode === 'password' ? (
          <>
            <label>
              User <input name="username" autocomplete="username" required />
            </label>
            <label>
              Password <input name="password" type="password" autocomplete="current-password" required />
            </label>
            <label>
              Project <input name="project" required />
            </label>
            <label>
              Domain <input name="domain" value="Default" />
            </label>
          </>
        ) : (
          <label>
            Keystone token <input name="token" type="password" autocomplete="off" required />
          </label>
        )}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}

function Operator({ session, onSignedOut }: { session: Session; onSignedOut: () => void }) {
  const [fleet, setFleet] = useState<Fleet | undefined>();
  const [incidents, setIncidents] = useState<Incident[]>([]);
  const [openIncident, setOpenIncident] = useState<string | undefined>();
  const [live, setLive] = useState<Live>('connecting');
  const [now, setNow] = useState(Date.now());
  const [pending, setPending] = useState<Pending | undefined>();
  const [notice, setNotice] = useState('');
  const [changes, setChanges] = useState(0);
  const [clockSkew, setClockSkew] = useState(0);
  const [activity, setActivity] = useState<Transition[]>([]);

  const loadFleet = useCallback(() => {
    api.fleet().then(
      (r) => {
        setClockSkew(Date.now() - r.fleet.now);
        setFleet(r.fleet);
      },
      (err: unknown) => setNotice(`Fleet: ${String(err instanceof Error ? err.message : err)}`),
    );
    api.incidents().then(
      (r) => setIncidents(r.incidents),
      () => undefined,
    );
  }, []);

  useEffect(() => {
    loadFleet();
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [loadFleet]);

  // Live updates: EventSource reconnects by itself after a network error (controller restart, another
  // replica behind the address); after an HTTP error it stops, and we open a new one. Each (re)connect
  // reloads the data once, so nothing missed while disconnected stays stale.
  useEffect(() => {
    let source: EventSource | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    // Closed by an HTTP error (a replica answering 503 while it starts, or our session gone): check the
    // session, then open a new stream; only a 401 signs the page out.
    const reopen = (): void => {
      timer = setTimeout(() => {
        api.session().then(
          () => !closed && open(),
          (err: unknown) => (err instanceof ApiError && err.status === 401 ? onSignedOut() : reopen()),
        );
      }, 2000);
    };
    const open = () => {
      source = new EventSource('/ui/api/events');
      source.addEventListener('open', () => {
        setLive('live');
        loadFleet();
      });
      source.addEventListener('error', () => {
        setLive('reconnecting');
        if (source?.readyState === EventSource.CLOSED && !closed) reopen();
      });
      source.addEventListener('hosts', (e) => {
        const changed = JSON.parse((e as MessageEvent<string>).data) as Array<
          Partial<FleetHost> & { name: string }
        >;
        setFleet((f) => {
          if (!f) return f;
          const byName = new Map(changed.map((c) => [c.name, c]));
          const hosts = f.hosts.map((h) => {
            const c = byName.get(h.name);
            return c ? { ...h, ...c, incidentId: c.incidentId } : h;
          });
          return { ...f, hosts };
        });
        setChanges((n) => n + 1);
      });
      source.addEventListener('transitions', (e) => {
        const list = JSON.parse((e as MessageEvent<string>).data) as Transition[];
        setActivity((a) => [...list.reverse(), ...a].slice(0, 100));
      });
      source.addEventListener('incidents', (e) => {
        setIncidents(JSON.parse((e as MessageEvent<string>).data) as Incident[]);
        setChanges((n) => n + 1);
      });
      source.addEventListener('incident', () => setChanges((n) => n + 1));
      source.addEventListener('signed-out', () => {
        closed = true;
        source?.close();
        onSignedOut();
      });
    };
    open();
    return () => {
      closed = true;
      source?.close();
      if (timer) clearTimeout(timer);
    };
  }, [loadFleet, onSignedOut]);

  // Heartbeat ages and guards come from the fleet read: refresh it now and then, not on every event.
  useEffect(() => {
    const t = setInterval(loadFleet, 5000);
    return () => clearInterval(t);
  }, [loadFleet]);

  const act = (p: Pending) => setPending(p);
  const signOut = () => {
    api.signOut().then(onSignedOut, onSignedOut);
  };

  return (
    <div class="operator">
      <header>
        <h1>Vigil</h1>
        <span class={`live live-${live}`} data-testid="live" role="status">
          {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </span>
        <span class="who" data-testid="who">
          {session.user} ({session.project}) · {session.admin ? 'admin' : 'read-only'}
        </span>
        <button type="button" onClick={signOut} data-testid="sign-out">
          Sign out
        </button>
      </header>
      {notice && (
        <p class="notice" role="alert" data-testid="notice">
          {notice} <button onClick={() => setNotice('')}>dismiss</button>
        </p>
      )}
      {fleet && <Guards fleet={fleet} admin={session.admin} act={act} />}
      <div class="columns">
        <section class="fleet-col">
          {fleet ? (
            <FleetView
              fleet={fleet}
              now={now - clockSkew}
              admin={session.admin}
              act={act}
              onIncident={setOpenIncident}
            />
          ) : (
            <p class="loading">Loading the fleet…</p>
          )}
        </section>
        <section class="incident-col">
          <Incidents incidents={incidents} open={openIncident} onOpen={setOpenIncident} />
          <Activity items={activity} />
          {openIncident && (
            <IncidentView id={openIncident} changes={changes} admin={session.admin} act={act} />
          )}
        </section>
      </div>
      {pending && (
        <Confirm
          pending={pending}
          onDone={(message) => {
            setPending(undefined);
            if (message) setNotice(message);
            loadFleet();
          }}
        />
      )}
    </div>
  );
}

function Guards({ fleet, admin, act }: { fleet: Fleet; admin: boolean; act: (p: Pending) => void }) {
  const engaged = fleet.guards.filter((g) => g.engaged);
  if (engaged.length === 0)
    return (
      <p class="guards-clear" data-testid="guards-clear">
        Storm guard: not engaged, automatic fencing is on.
      </p>
    );
  return (
    <section class="guards" data-testid="guards">
      {engaged.map((g) => (
        <div class="guard" key={g.scope} data-testid={`guard-${g.scope}`}>
          <strong>Storm guard {g.scope} is holding automatic fencing back.</strong> {g.reason}
          {g.hosts && g.hosts.length > 0 && <span> Hosts held: {g.hosts.join(', ')}.</span>}
          {g.pinned && (
            <span data-testid="guard-pinned">
              {' '}
              Pinned by {g.pinnedBy ?? 'an operator'}
              {g.pinReason ? ` (${g.pinReason})` : ''}: it stays engaged until released.
            </span>
          )}
          {admin && (
            <button
              type="button"
              data-testid="release-guard"
              onClick={() =>
                act({
                  title: `Release storm guard ${g.scope}`,
                  host: g.hosts?.join(', ') || g.scope,
                  needsReason: true,
                  run: (reason) => api.releaseGuard(g.scope, reason),
                })
              }
            >
              Release…
            </button>
          )}
          {admin && (
            <button
              type="button"
              data-testid={g.pinned ? 'unpin-guard' : 'pin-guard'}
              onClick={() =>
                act({
                  title: g.pinned
                    ? `Unpin storm guard ${g.scope} (it may then release itself once the storm is over)`
                    : `Pin storm guard ${g.scope} (it will not release itself)`,
                  host: g.hosts?.join(', ') || g.scope,
                  needsReason: true,
                  run: (reason) => api.pinGuard(g.scope, !g.pinned, reason),
                })
              }
            >
              {g.pinned ? 'Unpin…' : 'Pin…'}
            </button>
          )}
        </div>
      ))}
    </section>
  );
}

function FleetView(props: {
  fleet: Fleet;
  now: number;
  admin: boolean;
  act: (p: Pending) => void;
  onIncident: (id: string) => void;
}) {
  const { fleet, now, admin, act, onIncident } = props;
  useEffect(() => {
    // For the bench (time to the first rendered fleet); once per page.
    if (performance.getEntriesByName('vigil:fleet-rendered').length === 0)
      performance.mark('vigil:fleet-rendered');
  }, []);
  const [segment, setSegment] = useState('');
  const [state, setState] = useState('');
  const [name, setName] = useState('');
  const counts = useMemo(() => {
    const c = new Map<string, number>();
    for (const h of fleet.hosts) c.set(h.state, (c.get(h.state) ?? 0) + 1);
    return c;
  }, [fleet.hosts]);
  const groups = useMemo(() => {
    const shown = fleet.hosts.filter(
      (h) =>
        (!segment || h.segment === segment) &&
        (!state || h.state === state) &&
        (!name || h.name.includes(name)),
    );
    const rank = (s: string) => {
      const i = (STATE_ORDER as readonly string[]).indexOf(s);
      return i < 0 ? STATE_ORDER.length : i;
    };
    return fleet.segments
      .map((s) => ({
        segment: s,
        hosts: shown
          .filter((h) => h.segment === s.uuid)
          .sort((a, b) => rank(a.state) - rank(b.state) || a.name.localeCompare(b.name)),
      }))
      .filter((g) => g.hosts.length > 0);
  }, [fleet, segment, state, name]);
  return (
    <div class="fleet" data-testid="fleet">
      <h2>
        Fleet <small>{fleet.hosts.length} hosts</small>
      </h2>
      <p class="counts">
        {[...counts.entries()].map(([s, n]) => (
          <span key={s} class={`state state-${s}`}>
            {s}: {n}
          </span>
        ))}
      </p>
      <div class="filters">
        <label>
          Segment{' '}
          <select
            value={segment}
            onChange={(e) => setSegment((e.target as HTMLSelectElement).value)}
            data-testid="filter-segment"
          >
            <option value="">all</option>
            {fleet.segments.map((s) => (
              <option key={s.uuid} value={s.uuid}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          State{' '}
          <select
            value={state}
            onChange={(e) => setState((e.target as HTMLSelectElement).value)}
            data-testid="filter-state"
          >
            <option value="">all</option>
            {[...counts.keys()].sort().map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Host{' '}
          <input
            value={name}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
            placeholder="name contains"
          />
        </label>
      </div>
      {groups.map(({ segment: s, hosts }) => (
        <details open key={s.uuid} class="segment" data-testid={`segment-${s.name}`}>
          <summary>
            Segment {s.name} · {hosts.length} hosts{s.enabled ? '' : ' · disabled'}
          </summary>
          <table>
            <thead>
              <tr>
                <th>Host</th>
                <th>State</th>
                <th>Components</th>
                <th>Last heartbeat</th>
                <th>Incident</th>
                {admin && <th>Actions</th>}
              </tr>
            </thead>
            {byDomain(hosts).map(([domain, members]) => (
              <tbody key={domain ?? ''} data-testid={domain === undefined ? undefined : `domain-${domain}`}>
                {domain !== undefined && (
                  <tr class="domain">
                    <th colSpan={admin ? 6 : 5}>
                      Failure domain {domain} · {members.length} hosts
                      {members.some((h) => h.state !== 'up') &&
                        ` · ${members.filter((h) => h.state !== 'up').length} not up`}
                    </th>
                  </tr>
                )}
                {members.map((h) => (
                  <HostRow key={h.name} h={h} now={now} admin={admin} act={act} onIncident={onIncident} />
                ))}
              </tbody>
            ))}
          </table>
        </details>
      ))}
    </div>
  );
}

function HostRow(props: {
  h: FleetHost;
  now: number;
  admin: boolean;
  act: (p: Pending) => void;
  onIncident: (id: string) => void;
}) {
  const { h, now, admin, act, onIncident } = props;
  return (
    <tr data-testid={`host-${h.name}`} data-state={h.state}>
      <td>
        {h.name}
        {h.reserved && <span class="tag">reserved</span>}
      </td>
      <td>
        <span class={`state state-${h.state}`} data-testid="state">
          {h.state}
        </span>
      </td>
      <td class="components">
        {Object.entries(h.components).map(([c, s]) => (
          <span key={c} class={`comp comp-${s}`}>
            {c} {s}
          </span>
        ))}
      </td>
      <td>{h.lastHeartbeatAt ? `${age(now - h.lastHeartbeatAt)} ago` : 'never'}</td>
      <td>
        {h.incidentId && (
          <button type="button" class="link" onClick={() => onIncident(h.incidentId ?? '')}>
            {h.incidentId.slice(0, 8)}
          </button>
        )}
      </td>
      {admin && (
        <td class="actions">
          <button
            type="button"
            data-testid={`action-maintenance-${h.name}`}
            onClick={() =>
              act({
                title: h.onMaintenance ? 'Take out of maintenance' : 'Put into maintenance',
                host: h.name,
                needsReason: false,
                run: () => api.maintenance(h.segment, h.uuid, !h.onMaintenance),
              })
            }
          >
            {h.onMaintenance ? 'End maintenance' : 'Maintenance'}
          </button>
          {['fenced', 'failed', 'maintenance'].includes(h.state) && (
            <button
              type="button"
              data-testid={`action-reinstate-${h.name}`}
              onClick={() =>
                act({
                  title: 'Reinstate',
                  host: h.name,
                  needsReason: true,
                  run: (r) => api.reinstate(h.name, r),
                })
              }
            >
              Reinstate
            </button>
          )}
        </td>
      )}
    </tr>
  );
}

function Incidents(props: { incidents: Incident[]; open?: string; onOpen: (id: string) => void }) {
  const { incidents, open, onOpen } = props;
  const active = incidents.filter((i) => !['finished', 'ignored'].includes(i.status));
  const recent = incidents.filter((i) => ['finished', 'ignored'].includes(i.status)).slice(0, 20);
  const row = (i: Incident) => (
    <li key={i.id} class={i.id === open ? 'selected' : ''}>
      <button type="button" class="link" onClick={() => onOpen(i.id)} data-testid={`incident-${i.host}`}>
        {i.host}
      </button>{' '}
      <span class={`status status-${i.status}`} data-testid="incident-status">
        {i.status}
      </span>{' '}
      <span class="phase">{i.phase}</span> <time>{new Date(i.createdAt).toLocaleTimeString()}</time>
    </li>
  );
  return (
    <div class="incidents" data-testid="incidents">
      <h2>Open incidents</h2>
      {active.length === 0 ? <p>None.</p> : <ul>{active.map(row)}</ul>}
      <h2>Recent</h2>
      {recent.length === 0 ? <p>None.</p> : <ul>{recent.map(row)}</ul>}
    </div>
  );
}

interface Transition {
  host: string;
  at: number;
  from: string;
  to: string;
  reason: string;
}

/** Every state change pushed since the page opened, newest first. */
function Activity({ items }: { items: Transition[] }) {
  return (
    <div class="activity" data-testid="activity">
      <h2>Activity</h2>
      {items.length === 0 ? (
        <p>No change since the page opened.</p>
      ) : (
        <ul>
          {items.map((t) => (
            <li key={`${t.host}-${t.at}-${t.to}`} data-host={t.host} data-to={t.to}>
              <time>{new Date(t.at).toLocaleTimeString()}</time> {t.host}: {t.from} →{' '}
              <span class={`state state-${t.to}`}>{t.to}</span> <span class="msg">{t.reason}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

interface Step {
  at: number;
  step: string;
  message: string;
  evidence?: Record<string, unknown>;
}

function IncidentView(props: { id: string; changes: number; admin: boolean; act: (p: Pending) => void }) {
  const { id, changes, admin, act } = props;
  const [detail, setDetail] = useState<IncidentDetail | undefined>();
  const [hostState, setHostState] = useState<HostState | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    let stale = false;
    api.incident(id).then(
      async (r) => {
        if (stale) return;
        setDetail(r.incident);
        setError('');
        try {
          const hs = await api.hostState(r.incident.host);
          if (!stale) setHostState(hs.host_state);
        } catch {
          // not a detection-raised incident: no detection timeline
        }
      },
      (err: unknown) => !stale && setError(err instanceof ApiError ? err.message : String(err)),
    );
    return () => {
      stale = true;
    };
  }, [id, changes]);
  if (error) return <p class="error">{error}</p>;
  if (!detail) return <p class="loading">Loading the incident…</p>;
  const created = Date.parse(detail.createdAt);
  const detection: Step[] = (hostState?.timeline ?? [])
    .filter((t) => t.at <= created + 60_000 && t.at >= created - 15 * 60_000)
    .filter((t) => t.to === 'suspect' || t.to === 'failed')
    .map((t) => ({
      at: t.at,
      step: t.to === 'suspect' ? 'detected' : 'confirmed',
      message: t.reason,
      evidence: t.evidence,
    }));
  const t0 = detection.find((d) => d.step === 'detected')?.at ?? created;
  const steps: Step[] = [
    ...detection,
    ...detail.timeline.map((t) => ({ at: Date.parse(t.at), step: t.step, message: t.message })),
  ].sort((a, b) => a.at - b.at);
  const advice = adviceFor(detail);
  return (
    <article class="incident" data-testid="incident-detail">
      <h2>
        Incident on {detail.host}{' '}
        <span class={`status status-${detail.status}`} data-testid="detail-status">
          {detail.status}
        </span>
      </h2>
      <p>
        Phase <strong>{detail.phase}</strong> · opened {new Date(created).toLocaleTimeString()} ·{' '}
        <code>{detail.id}</code>
      </p>
      {detail.fence && (
        <p data-testid="fence">
          Fenced by {detail.fence.mode}: {detail.fence.detail}
        </p>
      )}
      {detail.reason && ['error', 'failed'].includes(detail.status) && (
        <p class="error" role="alert" data-testid="incident-error">
          {detail.reason}
        </p>
      )}
      {advice && (
        <div class="advice" data-testid="advice">
          <p>{advice.text}</p>
          {admin &&
            advice.actions.map((a) => (
              <button
                type="button"
                key={a}
                data-testid={`action-${a}`}
                onClick={() =>
                  act({
                    title:
                      a === 'confirm-fenced'
                        ? 'Confirm fenced by hand'
                        : a === 'retry'
                          ? 'Retry the incident'
                          : 'Abort the incident',
                    host: detail.host,
                    needsReason: true,
                    run: (reason) => api.incidentAction(detail.id, a, reason),
                  })
                }
              >
                {a}
              </button>
            ))}
        </div>
      )}
      <h3>Timeline</h3>
      <ol class="timeline" data-testid="timeline">
        {steps.map((s, i) => (
          <li key={i} data-step={s.step}>
            <span class="offset">{sinceFailure(s.at, t0)}</span>{' '}
            <strong>{STEP_LABELS[s.step] ?? s.step}</strong> <span class="msg">{s.message}</span>
            {s.evidence && Object.keys(s.evidence).length > 0 && (
              <details class="evidence">
                <summary>evidence</summary>
                <pre>{JSON.stringify(s.evidence, null, 2)}</pre>
              </details>
            )}
          </li>
        ))}
      </ol>
      {detail.moves.length > 0 && (
        <>
          <h3>Instances</h3>
          <table class="moves">
            <thead>
              <tr>
                <th>Instance</th>
                <th>Status</th>
                <th>To</th>
                <th>Since failure</th>
              </tr>
            </thead>
            <tbody>
              {detail.moves.map((m) => (
                <tr key={m.instanceId}>
                  <td>{m.instanceName || m.instanceId}</td>
                  <td>{m.status}</td>
                  <td>{m.destHost ?? ''}</td>
                  <td>{m.endedAt ? sinceFailure(Date.parse(m.endedAt), t0) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </article>
  );
}

function Confirm({ pending, onDone }: { pending: Pending; onDone: (message?: string) => void }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const confirm = () => {
    setBusy(true);
    pending.run(reason.trim()).then(
      () => onDone(`${pending.title}: done for ${pending.host}.`),
      (err: unknown) => {
        setBusy(false);
        setError(err instanceof Error ? err.message : String(err));
      },
    );
  };
  return (
    <div class="modal" role="dialog" aria-modal="true" data-testid="confirm">
      <div class="box">
        <h2>{pending.title}</h2>
        <p>
          Host: <strong data-testid="confirm-host">{pending.host}</strong>
        </p>
        {pending.needsReason && (
          <label>
            Reason (kept in the audit trail){' '}
            <input
              value={reason}
              onInput={(e) => setReason((e.target as HTMLInputElement).value)}
              data-testid="confirm-reason"
            />
          </label>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button
          type="button"
          disabled={busy || (pending.needsReason && reason.trim().length < 3)}
          onClick={confirm}
          data-testid="confirm-yes"
        >
          Confirm for {pending.host}
        </button>{' '}
        <button type="button" onClick={() => onDone()} disabled={busy}>
          Cancel
        </button>
      </div>
    </div>
  );
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
