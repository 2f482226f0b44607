import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { envName, OPTIONS } from '../../src/config/options.js';
import { ROOT } from '../helpers/fixtures.js';

type Doc = Record<string, unknown>;

const DEPLOY = path.join(ROOT, 'deploy');
const K8S = path.join(DEPLOY, 'kubernetes');
const FLAG_ENV = new Set(OPTIONS.filter((o) => !('cliOnly' in o && o.cliOnly)).map((o) => envName(o.name)));

const obj = (v: unknown, what: string): Doc => {
  assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `${what} is a mapping`);
  return v as Doc;
};
const arr = (v: unknown, what: string): unknown[] => {
  assert.ok(Array.isArray(v), `${what} is a list`);
  return v;
};

function readYaml(file: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  return docs.map((d, i) => {
    assert.deepEqual(d.errors, [], `${path.basename(file)} document ${i} parses`);
    return obj(d.toJS(), `${path.basename(file)} document ${i}`);
  });
}

/** Compose `environment:` in either form (mapping or KEY=value list) → string values. */
function composeEnv(v: unknown): Record<string, string> {
  if (Array.isArray(v)) {
    return Object.fromEntries(
      v.map((e) => {
        const s = String(e);
        const eq = s.indexOf('=');
        return eq < 0 ? [s, ''] : [s.slice(0, eq), s.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(obj(v, 'environment')).map(([k, x]) => [k, String(x)]));
}

/** Asserts every name is a flag's env name and that the server accepts the values. */
function assertServerEnv(env: Record<string, string>, where: string): void {
  const unknown = Object.keys(env).filter((k) => !FLAG_ENV.has(k));
  assert.deepEqual(unknown, [], `${where}: env names that are no flag's env name`);
  const r = loadConfig([], env, { readFile: () => undefined });
  assert.equal(r.kind, 'config', `${where}: the server accepts this environment: ${JSON.stringify(r)}`);
}

const composeFiles = readdirSync(DEPLOY).filter((f) => /^docker-compose\..*\.ya?ml$/.test(f));

describe('docker-compose examples', () => {
  it('there are the two of the imagor README: file and S3', () => {
    assert.deepEqual(composeFiles.sort(), ['docker-compose.file.yml', 'docker-compose.s3.yml']);
  });

  for (const file of composeFiles) {
    it(`${file}: parses, builds this repository's Dockerfile, and sets only real flags`, () => {
      const [doc, ...rest] = readYaml(path.join(DEPLOY, file));
      assert.equal(rest.length, 0);
      const services = obj(doc!['services'], 'services');
      const imagor = obj(services['imagor'], 'services.imagor');
      const build = obj(imagor['build'], 'imagor.build');
      assert.equal(path.resolve(DEPLOY, String(build['context'])), ROOT.replace(/\/$/, ''));
      assert.ok(arr(imagor['ports'], 'ports').map(String).includes('8000:8000'));
      assertServerEnv(composeEnv(imagor['environment']), `${file} imagor`);
    });
  }

  it('file example: loader and storage on the mounted volume', () => {
    const doc = readYaml(path.join(DEPLOY, 'docker-compose.file.yml'))[0]!;
    const imagor = obj(obj(doc['services'], 'services')['imagor'], 'imagor');
    const env = composeEnv(imagor['environment']);
    const volumes = arr(imagor['volumes'], 'volumes').map(String);
    const mounted = volumes.map((v) => v.split(':')[1]);
    assert.ok(mounted.includes(env['FILE_LOADER_BASE_DIR']), 'the loader reads the volume');
    assert.ok(mounted.includes(env['FILE_STORAGE_BASE_DIR']), 'the storage writes the volume');
    const r = loadConfig([], env, { readFile: () => undefined });
    assert.ok(r.kind === 'config' && r.config['imagor-unsafe'] === true);
  });

  it('S3 example: loader, storage and result storage on a local MinIO that imagor waits for', () => {
    const doc = readYaml(path.join(DEPLOY, 'docker-compose.s3.yml'))[0]!;
    const services = obj(doc['services'], 'services');
    const minio = obj(services['minio'], 'minio');
    assert.match(String(minio['image']), /^minio\/minio/);
    const imagor = obj(services['imagor'], 'imagor');
    const env = composeEnv(imagor['environment']);
    const r = loadConfig([], env, { readFile: () => undefined });
    assert.ok(r.kind === 'config');
    assert.equal(r.config['s3-endpoint'], 'http://minio:9000');
    assert.equal(r.config['s3-force-path-style'], true);
    assert.ok(
      r.config['s3-loader-bucket'] && r.config['s3-storage-bucket'] && r.config['s3-result-storage-bucket'],
    );
    assert.ok(r.config['imagor-secret'], 'signed URLs');
    const minioEnv = composeEnv(minio['environment']);
    assert.equal(env['AWS_ACCESS_KEY_ID'], minioEnv['MINIO_ROOT_USER']);
    assert.equal(env['AWS_SECRET_ACCESS_KEY'], minioEnv['MINIO_ROOT_PASSWORD']);
    const dependsOn = obj(imagor['depends_on'], 'imagor.depends_on');
    for (const dep of Object.keys(dependsOn)) assert.ok(dep in services, `${dep} is a service`);
  });
});

describe('Kubernetes manifests', () => {
  const files = readdirSync(K8S).filter((f) => /\.ya?ml$/.test(f));
  const docs = files.filter((f) => f !== 'kustomization.yaml').flatMap((f) => readYaml(path.join(K8S, f)));
  const byKind = (kind: string): Doc[] => docs.filter((d) => d['kind'] === kind);
  const one = (kind: string): Doc => {
    const found = byKind(kind);
    assert.equal(found.length, 1, `one ${kind}`);
    return found[0]!;
  };
  const name = (d: Doc): string => String(obj(d['metadata'], 'metadata')['name']);

  it('every file parses and the kustomization lists them all', () => {
    const k = parse(readFileSync(path.join(K8S, 'kustomization.yaml'), 'utf8')) as Doc;
    assert.deepEqual(
      arr(k['resources'], 'resources').map(String).sort(),
      files.filter((f) => f !== 'kustomization.yaml').sort(),
    );
    for (const d of docs) assert.ok(d['apiVersion'] && d['kind'] && name(d), 'apiVersion, kind and name');
  });

  it('the Deployment has readiness and liveness probes on /healthcheck and resource requests', () => {
    const dep = one('Deployment');
    const spec = obj(dep['spec'], 'spec');
    const pod = obj(obj(spec['template'], 'template')['spec'], 'pod spec');
    const [container] = arr(pod['containers'], 'containers').map((c) => obj(c, 'container'));
    assert.ok(container);
    const ports = arr(container['ports'], 'ports').map((p) => obj(p, 'port'));
    const http = ports.find((p) => p['name'] === 'http');
    assert.equal(http?.['containerPort'], 8000);
    for (const probe of ['readinessProbe', 'livenessProbe']) {
      const get = obj(obj(container[probe], probe)['httpGet'], `${probe}.httpGet`);
      assert.equal(get['path'], '/healthcheck', probe);
      assert.ok(get['port'] === 'http' || get['port'] === 8000, probe);
    }
    const requests = obj(obj(container['resources'], 'resources')['requests'], 'requests');
    assert.ok(requests['cpu'], 'a CPU request, which the HPA needs');
    const sc = obj(container['securityContext'], 'securityContext');
    assert.equal(sc['allowPrivilegeEscalation'], false);
    assert.equal(obj(pod['securityContext'], 'pod securityContext')['runAsNonRoot'], true);
    const selector = obj(obj(spec['selector'], 'selector')['matchLabels'], 'matchLabels');
    const labels = obj(obj(obj(spec['template'], 'template')['metadata'], 'metadata')['labels'], 'labels');
    for (const [k, v] of Object.entries(selector)) assert.equal(labels[k], v);
  });

  it('the Service and the HPA point at the Deployment', () => {
    const dep = one('Deployment');
    const svc = obj(one('Service')['spec'], 'service spec');
    const podLabels = obj(
      obj(obj(obj(dep['spec'], 'spec')['template'], 'template')['metadata'], 'metadata')['labels'],
      'labels',
    );
    for (const [k, v] of Object.entries(obj(svc['selector'], 'selector'))) assert.equal(podLabels[k], v);
    const target = arr(svc['ports'], 'ports').map((p) => obj(p, 'port'))[0]!['targetPort'];
    assert.ok(target === 'http' || target === 8000);
    const hpa = one('HorizontalPodAutoscaler');
    assert.equal(hpa['apiVersion'], 'autoscaling/v2');
    const hs = obj(hpa['spec'], 'hpa spec');
    const ref = obj(hs['scaleTargetRef'], 'scaleTargetRef');
    assert.equal(ref['kind'], 'Deployment');
    assert.equal(ref['name'], name(dep));
    assert.ok(Number(hs['minReplicas']) >= 2 && Number(hs['maxReplicas']) > Number(hs['minReplicas']));
  });

  it('the pods get only real flags from env, envFrom ConfigMaps and Secrets, with S3 result storage shared', () => {
    const dep = one('Deployment');
    const pod = obj(obj(obj(dep['spec'], 'spec')['template'], 'template')['spec'], 'pod spec');
    const container = obj(arr(pod['containers'], 'containers')[0], 'container');
    const env: Record<string, string> = {};
    for (const e of (container['env'] as unknown[] | undefined) ?? []) {
      const entry = obj(e, 'env entry');
      env[String(entry['name'])] = String(entry['value'] ?? 'from-ref');
    }
    for (const from of arr(container['envFrom'], 'envFrom').map((f) => obj(f, 'envFrom'))) {
      const [refKind, key] = from['configMapRef'] ? ['ConfigMap', 'configMapRef'] : ['Secret', 'secretRef'];
      const refName = obj(from[key], key)['name'];
      const source = byKind(refKind).find((d) => name(d) === refName);
      assert.ok(source, `${refKind} ${String(refName)} is in the manifests`);
      const data = obj(source[refKind === 'Secret' ? 'stringData' : 'data'], 'data');
      for (const [k, v] of Object.entries(data)) env[k] = String(v);
    }
    assertServerEnv(env, 'Kubernetes pod');
    const r = loadConfig([], env, { readFile: () => undefined });
    assert.ok(r.kind === 'config');
    assert.ok(r.config['s3-result-storage-bucket'], 'S3 result storage shared by all replicas');
    assert.ok(r.config['imagor-secret'] && !r.config['imagor-unsafe'], 'signed URLs in production');
  });
});
