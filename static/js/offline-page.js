// A table page asks the service worker (sw.js, served as /sw.js) to keep it for an offline reload.

/** Register the service worker (secure contexts only) and have it keep this page for offline. */
export function registerServiceWorker(url) {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) {
    document.documentElement.dataset.offline = "unsupported";
    return;
  }
  navigator.serviceWorker
    .register(url, { scope: "/" })
    .then(() => navigator.serviceWorker.ready)
    .then((registration) => {
      const worker = registration.active;
      if (!worker) return;
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => {
        document.documentElement.dataset.offline = event.data && event.data.ok ? "ready" : "failed";
      };
      worker.postMessage({ type: "cache-page", url: location.href }, [channel.port2]);
    })
    .catch(() => {
      document.documentElement.dataset.offline = "failed";
    });
}
