// Starts the SPA. A file of its own, not an inline script: the Content-Security-Policy allows
// scripts from AMPS's own origin only.
import init from '/amps_web.js';
init();
