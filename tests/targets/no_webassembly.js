// Preloaded (node --require) to run as a browser without WebAssembly would: irc's Keras.js
// build must fall back to its JavaScript kernel.
delete globalThis.WebAssembly;
