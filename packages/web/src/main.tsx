import { render } from 'preact';
import { App } from './app.js';
import { boot } from './core/session-store.js';
import { initTheme } from './core/theme.js';
import './styles/app.css';

initTheme();
render(<App />, document.getElementById('app')!);
void boot();
