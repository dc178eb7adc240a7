/**
 * The parts of cloudform's resource model xacct uses, imported one module each. The package index
 * loads every AWS service's classes (about 270 ms); these few load in a few milliseconds.
 */
import _KmsKey from 'cloudform-types/types/kms/key';
import _KmsAlias from 'cloudform-types/types/kms/alias';
import _KmsReplicaKey from 'cloudform-types/types/kms/replicaKey';
import _S3Bucket from 'cloudform-types/types/s3/bucket';
import _S3BucketPolicy from 'cloudform-types/types/s3/bucketPolicy';
import _SsmParameter from 'cloudform-types/types/ssm/parameter';
import _IamRole from 'cloudform-types/types/iam/role';
import _IamManagedPolicy from 'cloudform-types/types/iam/managedPolicy';
import _IamInstanceProfile from 'cloudform-types/types/iam/instanceProfile';
import _EventsRule from 'cloudform-types/types/events/rule';
import _EventsBusPolicy from 'cloudform-types/types/events/eventBusPolicy';
import _LogGroup from 'cloudform-types/types/logs/logGroup';
import _CodeBuildProject from 'cloudform-types/types/codeBuild/project';
import _Pipeline from 'cloudform-types/types/codePipeline/pipeline';
import _EcrRepository from 'cloudform-types/types/ecr/repository';
import _CodeArtifactDomain from 'cloudform-types/types/codeArtifact/domain';
import _CodeArtifactRepository from 'cloudform-types/types/codeArtifact/repository';

export type { default as Template } from 'cloudform-types/types/template';
export { IntrinsicFunction } from 'cloudform-types/types/dataTypes';
export type { Value, List } from 'cloudform-types/types/dataTypes';
export { ResourceTag, DeletionPolicy } from 'cloudform-types/types/resource';
export { StringParameter, CommaDelimitedListParameter } from 'cloudform-types/types/parameter';

/* eslint-disable @typescript-eslint/no-namespace -- the namespaces mirror cloudform-types' own `KMS.Key`, `S3.Bucket` spelling, extended with newer properties; they hold no runtime state */
export namespace KMS {
  export const Key = _KmsKey;
  export type Key = _KmsKey;
  export const Alias = _KmsAlias;
  export const ReplicaKey = _KmsReplicaKey;
}
export namespace S3 {
  export const Bucket = _S3Bucket;
  export type Bucket = _S3Bucket;
  export const BucketPolicy = _S3BucketPolicy;
  export type BucketPolicy = _S3BucketPolicy;
}
export namespace SSM {
  export const Parameter = _SsmParameter;
}
export namespace IAM {
  export const Role = _IamRole;
  export type Role = _IamRole;
  export const ManagedPolicy = _IamManagedPolicy;
  export const InstanceProfile = _IamInstanceProfile;
}
export namespace Events {
  export const Rule = _EventsRule;
  export const EventBusPolicy = _EventsBusPolicy;
}
export namespace Logs {
  export const LogGroup = _LogGroup;
}
export namespace CodeBuild {
  export const Project = _CodeBuildProject;
}
export namespace CodePipeline {
  export const Pipeline = _Pipeline;
}
export namespace ECR {
  export const Repository = _EcrRepository;
}
export namespace CodeArtifact {
  export const Domain = _CodeArtifactDomain;
  export const Repository = _CodeArtifactRepository;
}
/* eslint-enable @typescript-eslint/no-namespace */
