/** The keyboard's first stop on a screen with a header: straight to the screen's own content (WCAG 2.4.1). */
export function SkipLink({ to }: { to: string }) {
  return (
    <a
      className="skip-link"
      href={`#${to}`}
      onClick={(event) => {
        const target = document.getElementById(to);
        if (!target) return;
        // Focus moves without a #fragment in the address, which the router would take for a navigation.
        event.preventDefault();
        target.focus();
      }}
    >
      Skip to main content
    </a>
  );
}
