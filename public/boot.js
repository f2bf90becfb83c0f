// Starts Bedside: loads the Rust app (wasm-bindgen --target web output in /app/), which
// renders into #app, and registers the service worker that keeps the app shell for
// offline starts. Kept as a file, not an inline script, so the page's Content Security
// Policy can forbid inline scripts. The app is imported dynamically so that a glue file
// that fails to load is caught here and explained on the page.

const status = document.getElementById('boot-status');

function showFailure() {
  if (status === null) return;
  status.setAttribute('role', 'alert');
  status.replaceChildren();
  const heading = document.createElement('h1');
  heading.textContent = 'Bedside could not start';
  const advice = document.createElement('p');
  advice.textContent =
    'The app did not load on this tablet. Check the network, then reload the page. ' +
    'If this keeps happening, the browser may be too old for Bedside: tell the manager.';
  const reload = document.createElement('button');
  reload.type = 'button';
  reload.className = 'button button-primary';
  reload.textContent = 'Reload';
  reload.addEventListener('click', () => window.location.reload());
  status.append(heading, advice, reload);
}

async function start() {
  try {
    const app = await import('./app/bedside_frontend.js');
    await app.default();
    if (status !== null) status.remove();
  } catch (error) {
    console.error('Bedside: the app could not start.', error);
    showFailure();
  }
}

// The app works without the service worker (only offline starts need it), so a
// registration that fails, or a browser without service workers, changes nothing else.
function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  try {
    navigator.serviceWorker
      .register('/sw.js', { scope: '/' })
      .catch((error) => console.warn('Bedside: service worker not registered.', error));
  } catch (error) {
    console.warn('Bedside: service worker not registered.', error);
  }
}

start();
registerServiceWorker();
