/**
 * What CodePipeline's CodeCommit source action does with the role it runs as ("CodePipeline service
 * role policy": the CodeCommit statement): read the branch and commit, then upload the repository
 * archive. The pipeline role holds it for repositories in the CI account; the source-access role of a
 * source account for the repositories there.
 */
export const CODECOMMIT_SOURCE_ACTIONS = [
  'codecommit:CancelUploadArchive',
  'codecommit:GetBranch',
  'codecommit:GetCommit',
  'codecommit:GetRepository',
  'codecommit:GetUploadArchiveStatus',
  'codecommit:UploadArchive',
];
