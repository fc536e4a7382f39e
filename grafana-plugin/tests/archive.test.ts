/**
 * @jest-environment node
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ensureBuilt } from './ensureBuilt';

// The packaged plugin checked the way the plugin catalogue (and its validator, which cannot be built
// here) checks an archive: one folder named after the plugin id holding module.js and plugin.json; id,
// type and version matching package.json; every logo and screenshot plugin.json names present; README
// and LICENSE; routes and includes well-formed.

// semver comes with the scaffold's toolchain; its types are not installed
// eslint-disable-next-line @typescript-eslint/no-require-imports
const semver: { satisfies(version: string, range: string): boolean } = require('semver');

const PLUGIN_DIR = path.resolve(__dirname, '..');
jest.setTimeout(300_000);

let zip: string;
let entries: string[];
let pluginJson: any;
const pkg = JSON.parse(readFileSync(path.join(PLUGIN_DIR, 'package.json'), 'utf8'));
const unzip = (...args: string[]) => execFileSync('unzip', args, { maxBuffer: 64 * 1024 * 1024 });

beforeAll(() => {
  ensureBuilt(PLUGIN_DIR);
  zip = execFileSync(process.execPath, [path.join(PLUGIN_DIR, 'scripts/package.mjs')], { cwd: PLUGIN_DIR })
    .toString()
    .trim();
  entries = unzip('-Z1', zip).toString().split('\n').filter(Boolean);
  pluginJson = JSON.parse(unzip('-p', zip, 'mictract-app/plugin.json').toString());
});

const file = (name: string) => unzip('-p', zip, `mictract-app/${name}`);

describe('the packaged plugin archive', () => {
  it('is named <id>-<version>.zip and holds one folder named after the plugin id', () => {
    expect(path.basename(zip)).toBe(`mictract-app-${pkg.version}.zip`);
    expect(new Set(entries.map((e) => e.split('/')[0]))).toEqual(new Set(['mictract-app']));
    for (const f of ['module.js', 'plugin.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) {
      expect(entries).toContain(`mictract-app/${f}`);
    }
    expect(entries.some((e) => e.includes('node_modules') || e.endsWith('.ts') || e.endsWith('.tsx'))).toBe(false);
  });

  it('has the id, type and version of package.json, and no placeholder left', () => {
    expect(pluginJson.id).toBe('mictract-app');
    expect(pluginJson.type).toBe('app');
    expect(pluginJson.info.version).toBe(pkg.version);
    expect(pluginJson.info.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(JSON.stringify(pluginJson)).not.toMatch(/%[A-Z_]+%/);
    expect(file('module.js').toString()).toMatch(
      /^\/\* \[create-plugin\] version: 7\.1\.\d+ \*\/\n\/\* \[create-plugin\] plugin: mictract-app@/
    );
    expect(file('module.js').toString()).toMatch(/define\(\[/);
  });

  it('names only logos and screenshots it contains, as real images', () => {
    const images = [
      pluginJson.info.logos.small,
      pluginJson.info.logos.large,
      ...pluginJson.info.screenshots.map((s: any) => s.path),
    ];
    expect(pluginJson.info.screenshots.length).toBeGreaterThan(0);
    for (const img of images) {
      expect(entries).toContain(`mictract-app/${img}`);
      const bytes = file(img);
      if (img.endsWith('.png')) {
        expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
        expect(bytes.length).toBeGreaterThan(10_000);
      } else {
        expect(bytes.toString()).toMatch(/^<svg /);
      }
    }
    for (const s of pluginJson.info.screenshots) {
      expect(s.name).toMatch(/\S/);
    }
  });

  it('has a README written for the catalogue and the license', () => {
    const readme = file('README.md').toString();
    expect(readme).toMatch(/^# Mictract for Grafana/);
    expect(readme).not.toMatch(/<!--|your-plugin-id|TODO/);
    expect(file('LICENSE').toString()).toMatch(/Apache License/);
    expect(pkg.license).toBe('Apache-2.0');
  });

  it('declares the ledger API route, the profile capture route and well-formed includes', () => {
    expect(pluginJson.routes).toEqual([
      // only this route can start a profile capture: it adds the exporter's token from the secure settings
      {
        path: 'profiles',
        method: 'POST',
        reqRole: 'Editor',
        url: '{{ .JsonData.apiUrl }}/profiles',
        headers: [{ name: 'X-Mictract-Profile-Token', content: '{{ .SecureJsonData.profileToken }}' }],
      },
      { path: 'api', url: '{{ .JsonData.apiUrl }}' },
    ]);
    for (const r of pluginJson.routes) {
      expect(r.path).toMatch(/^[a-z0-9-]+$/);
    }
    const pages = pluginJson.includes.filter((i: any) => i.type === 'page');
    expect(
      pluginJson.includes.every(
        (i: any) => ['page', 'dashboard'].includes(i.type) && typeof i.name === 'string' && i.name
      )
    ).toBe(true);
    expect(pages.filter((p: any) => p.defaultNav)).toHaveLength(1);
    for (const p of pages) {
      expect(p.path).toMatch(/^\/(a\/mictract-app\/[a-z]+|plugins\/mictract-app)$/);
      expect(typeof p.addToNav).toBe('boolean');
    }
    for (const d of pluginJson.includes.filter((i: any) => i.type === 'dashboard')) {
      expect(entries).toContain(`mictract-app/${d.path}`);
      expect(JSON.parse(file(d.path).toString()).uid).toMatch(/\S/);
    }
  });

  it('asks for the Grafana line it is built against', () => {
    const grafanaUi = pkg.dependencies['@grafana/ui'];
    expect(semver.satisfies(grafanaUi, pluginJson.dependencies.grafanaDependency)).toBe(true);
    expect(semver.satisfies('13.0.0', pluginJson.dependencies.grafanaDependency)).toBe(false);
    expect(pkg.dependencies.react).toMatch(/^\^18\./);
  });
});
