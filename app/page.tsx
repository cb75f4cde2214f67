export default function Home() {
  return (
    <main>
      <h1>Agent Grants</h1>
      <p>Let an AI agent do one narrow thing, for a while, and take it back at any moment.</p>
    </main>
  );
}
