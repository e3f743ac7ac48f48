/** The web UI's files, embedded at build time (bundle.ts). */
import { clientBundle, webFile } from "./bundle.ts" with { type: "macro" };

export const APP_JS: string = clientBundle();
export const APP_CSS: string = webFile("app.css");
export const INDEX_HTML: string = webFile("index.html");
export const FAVICON_SVG: string = webFile("favicon.svg");
