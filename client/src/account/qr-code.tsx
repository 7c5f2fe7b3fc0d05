// A QR code drawn in the page as an SVG element, from the `qrcode` package's encoder (no image from a service,
// no data: URL: the authenticator app's secret stays in this page). Each dark module is a unit square of one path.
import { create } from "qrcode";
import { useMemo } from "react";

/** The quiet zone the QR standard asks around the symbol, in modules. */
const QUIET_ZONE = 4;

export function QrCode({ value, label }: { value: string; label: string }) {
  // Once per value, not on every keystroke of the code field beside it.
  const { path, side } = useMemo(() => drawing(value), [value]);
  return (
    <svg className="qr-code" role="img" aria-label={label} viewBox={`0 0 ${side} ${side}`} shapeRendering="crispEdges">
      <rect width={side} height={side} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}

/** The symbol's dark modules as one SVG path, and its side with the quiet zone, in modules. */
function drawing(value: string): { path: string; side: number } {
  const { modules } = create(value, { errorCorrectionLevel: "M" });
  let path = "";
  for (let row = 0; row < modules.size; row += 1) {
    for (let column = 0; column < modules.size; column += 1) {
      if (modules.get(row, column)) path += `M${column + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`;
    }
  }
  return { path, side: modules.size + 2 * QUIET_ZONE };
}
