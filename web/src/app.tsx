import { createContext } from 'preact';
import type { ComponentType } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { LookupResult, Session } from './api';
import { api, currentSession, onLoggedOut, setSession } from './api';
import { EventStream } from './events';
import { t } from './i18n';
import { Login } from './login';
import { IncomingCall } from './user/incoming-call';
import { UserView } from './user/user-view';

/** The page's one event stream, for the parts that listen. */
export const Events = createContext<EventStream | null>(null);

export interface Opened {
  phonebook: string;
  id: string;
}

type Tab = 'user' | 'admin';

/** Login, then the user part ("CTI Client") and, for admins, the management part. */
export function App() {
  const [session, setCurrent] = useState<Session | null>(currentSession());
  const [tab, setTab] = useState<Tab>(location.hash.startsWith('#admin') ? 'admin' : 'user');
  const [opened, setOpened] = useState<Opened | null>(null);
  const [call, setCall] = useState<{ call: LookupResult; at: string } | null>(null);
  const [Admin, setAdmin] = useState<ComponentType | null>(null);
  const events = useMemo(() => (session ? new EventStream(session.token) : null), [session]);

  useEffect(() => onLoggedOut(() => setCurrent(null)), []);
  useEffect(() => {
    if (!events) return;
    events.open();
    const off = events.subscribe((event) => {
      if (event.type === 'incoming-call') setCall({ call: event.call, at: event.at });
    });
    return () => {
      off();
      events.close();
    };
  }, [events]);
  useEffect(() => {
    location.hash = tab === 'admin' ? '#admin' : '';
    // The management part is loaded only when an admin opens it: a small first load.
    if (tab === 'admin' && session?.user.admin && !Admin) {
      void import('./admin/admin-view').then((module) => setAdmin(() => module.AdminView));
    }
  }, [tab, session, Admin]);

  if (!session) return <Login onLogin={setCurrent} />;

  const logout = async () => {
    await api('/auth/logout', { method: 'POST' }).catch(() => undefined);
    setSession(null);
    setCurrent(null);
  };
  const open = (target: Opened) => {
    setTab('user');
    setOpened(target);
  };

  return (
    <Events.Provider value={events}>
      <header class="top">
        <span class="brand">ctibook</span>
        <nav aria-label={t('Main navigation')}>
          <button aria-pressed={tab === 'user'} onClick={() => setTab('user')}>
            {t('Search')}
          </button>
          {session.user.admin && (
            <button aria-pressed={tab === 'admin'} onClick={() => setTab('admin')}>
              {t('Admin')}
            </button>
          )}
        </nav>
        <span class="who">{session.user.username}</span>
        <button class="link" onClick={logout}>
          {t('Log out')}
        </button>
      </header>
      {call && (
        <IncomingCall
          call={call.call}
          at={call.at}
          onOpen={(target) => {
            open(target);
            setCall(null);
          }}
          onClose={() => setCall(null)}
        />
      )}
      {tab === 'user' || !Admin ? (
        <UserView opened={opened} onOpen={open} onClose={() => setOpened(null)} />
      ) : (
        <Admin />
      )}
    </Events.Provider>
  );
}
