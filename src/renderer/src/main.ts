import { mount } from 'svelte';
import App from './App.svelte';
import { createClient } from './lib/api/client';
import { AppState } from './lib/app-state.svelte';
import './app.css';

const state = new AppState(createClient());
mount(App, { target: document.getElementById('app') as HTMLElement, props: { app: state } });
void state.init();
