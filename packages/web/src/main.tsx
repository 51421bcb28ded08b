import { render } from 'preact';

function App() {
  return <h1>Tocsin</h1>;
}

render(<App />, document.getElementById('app')!);
