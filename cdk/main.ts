import { createApp } from './app.ts';

// The CLI runs this file; the App synthesizes itself when the process ends.
createApp();
