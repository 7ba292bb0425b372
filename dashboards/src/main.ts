import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { router } from './router.ts';
import { i18n } from './i18n.ts';
import { setUnauthorizedHandler } from './api/client.ts';
import { useSession } from './stores/session.ts';
import { usePrefs } from './stores/prefs.ts';
import './styles.css';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia).use(i18n).use(router);
usePrefs().apply();

// Any 401 from the API: the session expired or was revoked; back to the login page, then back here.
setUnauthorizedHandler(() => {
  const session = useSession();
  if (!session.user) return;
  session.sessionEnded();
  const here = router.currentRoute.value;
  if (here.name !== 'login') void router.push({ name: 'login', query: { next: here.fullPath, expired: '1' } });
});

app.mount('#app');
