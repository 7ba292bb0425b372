import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { useSession } from './stores/session.ts';

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('./pages/LoginPage.vue'), meta: { public: true } },
  { path: '/', name: 'portal', component: () => import('./pages/PortalPage.vue') },
  { path: '/map', name: 'map', component: () => import('./pages/MapPage.vue') },
  { path: '/devices', name: 'devices', component: () => import('./pages/DevicesPage.vue') },
  { path: '/devices/:id', name: 'device', component: () => import('./pages/DevicePage.vue'), props: true },
  { path: '/fleet/:tab?', name: 'fleet', component: () => import('./pages/FleetPage.vue'), props: true },
  { path: '/readings', name: 'readings', component: () => import('./pages/ReadingsPage.vue') },
  { path: '/alarms', name: 'alarms', component: () => import('./pages/AlarmsPage.vue') },
  { path: '/reports', name: 'reports', component: () => import('./pages/ReportsPage.vue') },
  { path: '/manage/:section?', name: 'admin', component: () => import('./pages/AdminPage.vue'), props: true },
  { path: '/password', name: 'password', component: () => import('./pages/PasswordPage.vue') },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('./pages/NotFoundPage.vue') },
];

export const router = createRouter({ history: createWebHistory('/'), routes });

router.beforeEach(async (to) => {
  const session = useSession();
  if (!session.checked) {
    try {
      await session.check();
    } catch {
      // server unreachable: the login page says so when the user tries
    }
  }
  if (to.meta.public) return session.loggedIn && to.name === 'login' ? { path: (to.query.next as string) || '/' } : true;
  if (!session.loggedIn) return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} };
  return true;
});
