import { useEffect, useRef } from "react";

/**
 * A ref for the heading of a part that replaces the one whose button was just pressed (that button is gone, and
 * focus with it): focused once it is shown, so keyboard and screen reader users carry on from there. The element
 * needs tabIndex={-1}.
 */
export function useFocusOnMount<Element extends HTMLElement>() {
  const ref = useRef<Element>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return ref;
}
