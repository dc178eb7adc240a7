/**
 * The permissions boundary of `<prefix>-cfn-exec` and of every role it creates (app stacks create no IAM users).
 *
 * Checklist: Rhino Security Labs, "AWS IAM Privilege Escalation – Methods and Mitigation" (parts 1
 * and 2; 28 methods, mirrored in github.com/RhinoSecurityLabs/AWS-IAM-Privilege-Escalation). Each
 * method is either denied here or named in README.md ("What the boundary does not cover"), and each
 * denied one has an access-path proof in test/lint/access-paths-escalation.test.ts.
 *
 * Two ways of telling "created by an app stack" apart from "pre-existing, possibly privileged":
 * - `iam:PermissionsBoundary`, where IAM supplies it. "Actions, resources, and condition keys for AWS
 *   Identity and Access Management (IAM)" lists it for CreateRole, the role policy actions,
 *   Put/DeleteRolePermissionsBoundary, UpdateRole, UpdateRoleDescription, UpdateAssumeRolePolicy and
 *   DeleteRole; for a change to an existing role it is that role's boundary (absent: the Deny applies).
 * - Names, where it does not (iam:PassRole, sts:AssumeRole, policy versions): app stacks name what
 *   they create after themselves (`<stack>-<LogicalId>-<suffix>`), so names derived from the config's
 *   stack-name patterns are the app's; everything else is denied, and a denylist of known privileged
 *   roles holds even when a stack pattern is as broad as `*`.
 * - Stack operations must name this role (cloudformation:RoleArn), see STACK_WRITES_NAMING_A_ROLE.
 */
import { Value } from '../cfn-types';
import type { Config } from '../config';
import { sub, P } from '../cfn';
import { names } from '../names';
import { policy, PolicyDocument, Statement } from '../policies/document';
import { stackNamePatterns } from './cross-account-role';

export const boundaryArn = (): Value<string> => sub(`arn:${P.partition}:iam::${P.account}:policy/${names.permissionsBoundary(P.prefix)}`);
// Resource patterns match any partition and account: only this account's roles and policies can be
// changed or passed by this role, and the shorter form keeps the boundary within IAM's 6,144 characters.
const pattern = (text: string): Value<string> => (text.includes('${') ? sub(text) : text);
const role = (name: string): Value<string> => pattern(`arn:*:iam::*:role/${name}`);
const iamPolicy = (name: string): Value<string> => pattern(`arn:*:iam::*:policy/${name}`);

/**
 * Every IAM action that changes a role: its policies (Attach/Detach/Put/DeleteRolePolicy; the
 * wildcard also covers GetRolePolicy, a read nothing here needs), boundary, trust, settings, tags, existence.
 */
export const ROLE_WRITES = [
  'iam:*RolePolicy',
  'iam:*RolePermissionsBoundary',
  'iam:DeleteRole',
  'iam:TagRole',
  'iam:UntagRole',
  'iam:UpdateAssumeRolePolicy',
  'iam:UpdateRole*',
];

/** Role actions that carry iam:PermissionsBoundary (Service Authorization Reference, see above). */
const BOUNDED_ROLE_WRITES = [
  'iam:AttachRolePolicy',
  'iam:CreateRole',
  'iam:DeleteRole',
  'iam:DeleteRolePolicy',
  'iam:DetachRolePolicy',
  'iam:PutRolePermissionsBoundary',
  'iam:PutRolePolicy',
  'iam:UpdateAssumeRolePolicy',
  'iam:UpdateRole',
  'iam:UpdateRoleDescription',
];

/**
 * IAM users and groups: app stacks create neither. A user's policies and boundary, its long-lived
 * credentials and their factors (access keys, passwords, SSH keys, signing certificates,
 * service-specific credentials, MFA devices) and group membership and policies. Most of these take no
 * boundary condition, so every user and group is covered; the wildcards also cover a few reads of the
 * same things (GetUserPolicy, GetLoginProfile), which nothing here needs.
 */
export const USER_AND_GROUP_WRITES = [
  'iam:*AccessKey',
  'iam:*Group*',
  'iam:*LoginProfile',
  'iam:*MFADevice',
  'iam:*ServiceSpecificCredential',
  'iam:*SigningCertificate',
  'iam:*SSHPublicKey',
  'iam:*User*',
];

/**
 * Identity providers: replacing a SAML provider's metadata or an OIDC provider's client IDs hands out
 * every role that trusts it. App stacks create none (the wildcards also cover their reads).
 */
export const IDENTITY_PROVIDER_WRITES = ['iam:*OpenIDConnectProvider*', 'iam:*SAMLProvider*'];

export const POLICY_VERSION_WRITES = ['iam:CreatePolicyVersion', 'iam:DeletePolicy', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion'];

/**
 * "CloudFormation service role": "When you specify a service role, CloudFormation always uses that
 * role for all operations that are performed on that stack. Other users that have permissions to
 * perform operations on this stack will be able to use this role, even if they don't have permission
 * to pass it." So any stack operation must name this role (cloudformation:RoleArn, supplied for these
 * actions by the Service Authorization Reference for CloudFormation): someone else's stack then runs
 * with this boundary, not with its own role. Nested stacks already do: CloudFormation passes them the
 * parent's role. DeleteStack and ExecuteChangeSet are left out: the first only removes what a stack
 * holds, the second runs a change set whose role was fixed when it was created.
 */
export const STACK_WRITES_NAMING_A_ROLE = [
  'cloudformation:ContinueUpdateRollback',
  'cloudformation:CreateChangeSet',
  'cloudformation:CreateStack',
  'cloudformation:RollbackStack',
  'cloudformation:UpdateStack',
];

/** StackSets run with their own administration and execution roles; app stacks in a target account manage none. */
export const STACKSET_WRITES = ['cloudformation:*StackInstance*', 'cloudformation:*StackSet*'];

/**
 * Roles that exist in accounts of an organization and carry more than any app should: Organizations'
 * and Control Tower's administration roles, StackSets' execution roles, IAM Identity Center's roles
 * (path aws-reserved), CDK bootstrap roles (cdk-<qualifier>-..., the cfn-exec one has
 * AdministratorAccess by default).
 */
export const PRIVILEGED_ROLE_NAMES = [
  'OrganizationAccountAccessRole',
  'AWSControlTowerExecution',
  'aws-controltower-*',
  'AWSCloudFormationStackSetExecutionRole',
  'AWSCloudFormationStackSetAdministrationRole',
  'stacksets-exec-*',
  'aws-reserved/*',
  'cdk-*',
];

/** xacct's own target-account roles other than the one carrying this boundary. */
function xacctRoleNames(): string[] {
  return [names.crossAccountRole, names.readOnlyRole, names.automationRole, names.sourceAccessRole, names.sourceEventsRole].map((n) => n(P.prefix));
}

/** Names an app stack gives what it creates: `<stack>-...`, or the pattern itself when it already ends in `*`. */
function appNames(config: Config): string[] {
  return stackNamePatterns(config).map((s) => (s.endsWith('*') ? s : `${s}-*`));
}

/**
 * What the app stacks create: roles and managed policies named `<stack>-...` (any account; only this
 * account's can be used). The resource type stays literal: "IAM identifiers" (IAM User Guide,
 * "Incorrect wildcard usage") allows no wildcard in the product segment (`role/`, `policy/`), so a
 * role with a path (`role/<path>/<stack>-...`) is not matched.
 */
export function appArns(config: Config): Value<string>[] {
  return appNames(config).flatMap((n) => [`arn:*:iam::*:role/${n}`, `arn:*:iam::*:policy/${n}`].map(pattern));
}

function identityStatements(): Statement[] {
  const cfnExec = role(names.cfnExecRole(P.prefix));
  return [
    {
      Sid: 'DenyRolesWithoutThisBoundary',
      Effect: 'Deny',
      Action: BOUNDED_ROLE_WRITES,
      Resource: '*',
      Condition: { StringNotEquals: { 'iam:PermissionsBoundary': boundaryArn() } },
    },
    { Sid: 'DenyBoundaryRemoval', Effect: 'Deny', Action: 'iam:DeleteRolePermissionsBoundary', Resource: '*' },
    // This role carries the boundary, so the condition above does not stop it from changing itself.
    { Sid: 'DenyChangesToThisRole', Effect: 'Deny', Action: ROLE_WRITES, Resource: cfnExec },
    {
      // A nested stack runs with its parent's role, which CloudFormation passes on as this role.
      Sid: 'PassThisRoleOnlyToCloudFormation',
      Effect: 'Deny',
      Action: 'iam:PassRole',
      Resource: cfnExec,
      Condition: { StringNotEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
    },
    {
      // Writes to them are already denied above (they lack this boundary); held by name too because
      // passing, assuming and tagging take no boundary condition, and a stack-name pattern may be broad.
      Sid: 'DenyPrivilegedAndXacctRoles',
      Effect: 'Deny',
      Action: ['iam:PassRole', 'iam:TagRole', 'iam:UntagRole', 'sts:AssumeRole'],
      Resource: [...PRIVILEGED_ROLE_NAMES, ...xacctRoleNames()].map(role),
    },
    {
      Sid: 'DenyBoundaryAndXacctPolicyEdits',
      Effect: 'Deny',
      Action: [...POLICY_VERSION_WRITES, 'iam:TagPolicy', 'iam:UntagPolicy'],
      Resource: [iamPolicy(names.permissionsBoundary(P.prefix)), iamPolicy(names.codedeployInstancePolicy(P.prefix))],
    },
    { Sid: 'DenyUsersAndGroups', Effect: 'Deny', Action: USER_AND_GROUP_WRITES, Resource: '*' },
    { Sid: 'DenyIdentityProviderChanges', Effect: 'Deny', Action: IDENTITY_PROVIDER_WRITES, Resource: '*' },
  ];
}

function appScopeStatements(config: Config): Statement[] {
  return [
    {
      // Roles and policies not named after an app stack: passing or assuming them, or editing their
      // policy versions, would run with permissions this boundary never saw (a role of this account
      // that trusts the account itself is one AssumeRole away).
      Sid: 'DenyOutsideTheAppStacks',
      Effect: 'Deny',
      Action: ['iam:PassRole', 'sts:AssumeRole', ...POLICY_VERSION_WRITES],
      NotResource: [...appArns(config), role(names.cfnExecRole(P.prefix))],
    },
    {
      Sid: 'DenyStacksWithoutThisRole',
      Effect: 'Deny',
      Action: STACK_WRITES_NAMING_A_ROLE,
      Resource: '*',
      Condition: { StringNotEquals: { 'cloudformation:RoleArn': sub(`arn:${P.partition}:iam::${P.account}:role/${names.cfnExecRole(P.prefix)}`) } },
    },
    { Sid: 'DenyStackSets', Effect: 'Deny', Action: STACKSET_WRITES, Resource: '*' },
    {
      Sid: 'DenyXacctDiscoveryWrites',
      Effect: 'Deny',
      Action: ['ssm:DeleteParameter*', 'ssm:LabelParameterVersion', 'ssm:PutParameter'],
      Resource: sub(`arn:*:ssm:*:*:parameter/${P.prefix}/*`),
    },
    // A member account that leaves the organization leaves its service control policies behind.
    { Sid: 'DenyLeavingTheOrganization', Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' },
  ];
}

/**
 * The boundary document. As a permissions boundary its Allow grants nothing by itself; it caps what
 * the role's identity policies (AdministratorAccess by default) can do, and its Denys close the
 * escalation paths for the role and for every role and user it creates, which must carry it too.
 */
export function boundaryDocument(config: Config): PolicyDocument {
  return policy({ Sid: 'BoundaryCeiling', Effect: 'Allow', Action: '*', Resource: '*' }, ...identityStatements(), ...appScopeStatements(config));
}
