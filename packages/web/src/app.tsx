import { useEffect, useRef } from 'preact/hooks';
import { LoadingState } from './components/page.js';
import { startLive, stopLive } from './core/live-stream.js';
import { matchRoute, navigate, useLocation } from './core/router.js';
import { auth } from './core/session-store.js';
import { useStore } from './core/store.js';
import { BareLayout, Layout } from './layout/layout.js';
import { LoginPage } from './pages/login-page.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { SetupPage } from './pages/setup-page.js';
import { routes } from './routes.js';

/** Picks the page for the path; signed out, only setup and login are shown. */
export function App() {
  const state = useStore(auth);
  const { path } = useLocation();

  useEffect(() => {
    if (state.status === 'signed-in') startLive();
    else stopLive();
  }, [state.status]);

  // After a navigation focus moves to the new page's content, so a screen reader starts there; not on the first
  // load, where the first Tab must reach the skip link.
  const firstPath = useRef(path);
  useEffect(() => {
    if (path === firstPath.current) return;
    firstPath.current = '';
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [path]);

  if (state.status === 'loading')
    return (
      <BareLayout>
        <LoadingState />
      </BareLayout>
    );
  if (state.status === 'signed-in' && (path === '/setup' || path === '/login')) {
    navigate('/', { replace: true });
    return null;
  }
  if (state.status === 'signed-out') {
    const setup = path === '/setup' || state.setupNeeded;
    return <BareLayout>{setup ? <SetupPage /> : <LoginPage notice={state.error} />}</BareLayout>;
  }
  for (const r of routes) {
    const params = matchRoute(r.pattern, path);
    if (params) {
      const PageComponent = r.page;
      return (
        <Layout auth={state}>
          <PageComponent key={path} params={params} />
        </Layout>
      );
    }
  }
  return (
    <Layout auth={state}>
      <NotFoundPage />
    </Layout>
  );
}
