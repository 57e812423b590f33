// Build Sightline's front-end into frontend/dist/, which Django serves through
// STATICFILES_DIRS. Run with `npm run build` after `npm install`.
//
// - Compiles src/sightline.scss to dist/sightline.css (compressed, no source map).
// - Copies GOV.UK Frontend's JavaScript and src/init.js.
// - Copies only the GOV.UK images the stylesheet refers to. The GDS Transport
//   fonts and the crown icons are for GOV.UK services only and are not copied.

import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const src = path.join(here, "src");
const dist = path.join(here, "dist");
const govuk = path.join(root, "node_modules", "govuk-frontend", "dist", "govuk");

async function copy(from, to) {
  await mkdir(path.dirname(to), { recursive: true });
  await copyFile(from, to);
}

async function buildCss() {
  const result = sass.compile(path.join(src, "sightline.scss"), {
    loadPaths: [path.join(root, "node_modules")],
    style: "compressed",
    sourceMap: false,
    quietDeps: true,
  });
  const css = result.css;
  if (/GDS Transport|\/fonts\//.test(css)) {
    throw new Error("sightline.css must not refer to the GDS Transport fonts");
  }
  await writeFile(path.join(dist, "sightline.css"), css + "\n");
  return css;
}

async function copyReferencedImages(css) {
  // Every url(assets/images/...) in the CSS must exist, or collectstatic's
  // manifest storage fails.
  const names = new Set();
  for (const match of css.matchAll(/url\(["']?assets\/images\/([^"')]+)["']?\)/g)) {
    names.add(match[1]);
  }
  for (const name of names) {
    await copy(path.join(govuk, "assets", "images", name), path.join(dist, "assets", "images", name));
  }
  return [...names];
}

async function main() {
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });

  const css = await buildCss();
  const images = await copyReferencedImages(css);

  await copy(path.join(govuk, "govuk-frontend.min.js"), path.join(dist, "govuk-frontend.min.js"));
  // The minified bundle ends with a sourceMappingURL comment for a file we do
  // not ship; drop it so browsers and collectstatic do not look for it.
  const jsPath = path.join(dist, "govuk-frontend.min.js");
  const js = await readFile(jsPath, "utf8");
  await writeFile(jsPath, js.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, "\n"));

  await copy(path.join(src, "init.js"), path.join(dist, "init.js"));
  await copy(path.join(src, "favicon.svg"), path.join(dist, "assets", "images", "favicon.svg"));

  const size = Buffer.byteLength(css);
  console.log(`Built frontend/dist: sightline.css (${size} bytes), JavaScript, images: ${["favicon.svg", ...images].join(", ")}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
