import { Link } from "../lib/router";

export default function NotFound() {
  return (
    <div className="state state-empty">
      <h1>Page not found</h1>
      <p>The address may be mistyped, or the page was moved.</p>
      <Link className="btn btn-primary" to="/projects">
        Go to your projects
      </Link>
    </div>
  );
}
