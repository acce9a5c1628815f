export function AdminView() {
  return <main class="admin">admin</main>;
}
