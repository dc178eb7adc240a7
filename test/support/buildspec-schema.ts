/**
 * A JSON Schema of CodeBuild's buildspec (version 0.2), written from AWS's "Build specification
 * reference for CodeBuild" (Buildspec syntax) for ajv: no package on npm ships one. Strict where
 * the reference is closed (top-level keys, phase names, a phase's keys, yes/no switches) so a
 * misspelled key fails; batch builds are accepted as an object and not checked further.
 */
const commands = { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } } as const;
const yesNo = { enum: ['yes', 'no'] } as const;
const stringMap = { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } } as const;

const phase = {
  type: 'object',
  additionalProperties: false,
  properties: {
    'run-as': { type: 'string' },
    // ABORT, CONTINUE, and (for version 0.2 images that support it) RETRY with a count and/or a regex.
    'on-failure': { type: 'string', pattern: '^(ABORT|CONTINUE|RETRY(-\\d+)?(-.+)?)$' },
    'runtime-versions': stringMap,
    commands,
    finally: commands,
  },
} as const;

const artifactSet = {
  type: 'object',
  additionalProperties: false,
  required: ['files'],
  properties: {
    files: { type: 'array', minItems: 1, items: { type: 'string' } },
    name: { type: 'string' },
    'discard-paths': yesNo,
    'base-directory': { type: 'string' },
    'exclude-paths': { type: 'array', items: { type: 'string' } },
    'enable-symlinks': yesNo,
    's3-prefix': { type: 'string' },
  },
} as const;

export const BUILDSPEC_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'phases'],
  properties: {
    version: { enum: [0.2, '0.2'] },
    'run-as': { type: 'string' },
    env: {
      type: 'object',
      additionalProperties: false,
      properties: {
        shell: { enum: ['bash', '/bin/sh', 'sh', 'powershell.exe', 'cmd.exe', 'pwsh'] },
        variables: stringMap,
        'parameter-store': stringMap,
        'exported-variables': { type: 'array', items: { type: 'string' } },
        'secrets-manager': stringMap,
        'git-credential-helper': yesNo,
      },
    },
    proxy: { type: 'object', additionalProperties: false, properties: { 'upload-artifacts': yesNo, logs: yesNo } },
    batch: { type: 'object' },
    phases: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: { install: phase, pre_build: phase, build: phase, post_build: phase },
    },
    reports: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['files'],
        properties: {
          files: { type: 'array', minItems: 1, items: { type: 'string' } },
          'base-directory': { type: 'string' },
          'discard-paths': yesNo,
          'file-format': { type: 'string' },
        },
      },
    },
    artifacts: {
      ...artifactSet,
      properties: { ...artifactSet.properties, 'secondary-artifacts': { type: 'object', additionalProperties: artifactSet } },
    },
    cache: {
      type: 'object',
      additionalProperties: false,
      properties: {
        key: { type: 'string' },
        'fallback-keys': { type: 'array', items: { type: 'string' } },
        action: { enum: ['restore', 'save'] },
        paths: { type: 'array', minItems: 1, items: { type: 'string' } },
      },
    },
  },
} as const;
