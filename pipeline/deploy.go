package pipeline

import "regexp"

// Deploy kinds, as returned by Deploy.Kind.
const (
	DeployShell          = "shell"
	DeployCloudFormation = "cloudformation"
	DeployS3             = "s3"
	DeployWebhook        = "webhook"
)

// Deploy says how a version reaches an environment. Exactly one field is set.
type Deploy struct {
	// Shell is a script run in a checkout of the version's commit.
	Shell          string                `yaml:"shell" json:"shell,omitempty"`
	CloudFormation *CloudFormationDeploy `yaml:"cloudformation" json:"cloudformation,omitempty"`
	S3             *S3Deploy             `yaml:"s3" json:"s3,omitempty"`
	Webhook        *WebhookDeploy        `yaml:"webhook" json:"webhook,omitempty"`
	// Secrets are the secrets a shell deploy receives: the environment's,
	// then the project's, by name.
	Secrets []SecretRef `yaml:"secrets" json:"secrets,omitempty"`
	// Service marks a shell deploy that starts a long-running service: its
	// processes may outlive the script (no PID namespace of its own).
	Service bool `yaml:"service" json:"service,omitempty"`
}

// Kind names the kind of deploy that is set, or "" when none is.
func (d Deploy) Kind() string {
	switch {
	case d.Shell != "":
		return DeployShell
	case d.CloudFormation != nil:
		return DeployCloudFormation
	case d.S3 != nil:
		return DeployS3
	case d.Webhook != nil:
		return DeployWebhook
	}
	return ""
}

// CloudFormationDeploy creates or updates a stack through a change set, from
// a template in the repository (read at the version's commit) or stored as
// one of the version's artifacts. Exactly one of Template and
// TemplateArtifact is set.
type CloudFormationDeploy struct {
	Stack string `yaml:"stack" json:"stack"`
	// Template is a path in the repository.
	Template string `yaml:"template" json:"template"`
	// TemplateArtifact names an artifact of the version.
	TemplateArtifact string `yaml:"template_artifact" json:"template_artifact,omitempty"`
	// Parameters are the stack's parameters; values may hold the
	// placeholders of ParameterPlaceholder.
	Parameters map[string]string `yaml:"parameters" json:"parameters,omitempty"`
	// Capabilities acknowledge what the template does (CAPABILITY_IAM, ...).
	Capabilities []string `yaml:"capabilities" json:"capabilities,omitempty"`
	// Region overrides the worker's AWS region for this stack.
	Region string `yaml:"region" json:"region,omitempty"`
}

// ParameterPlaceholder matches a placeholder in a CloudFormation parameter
// value: {version}, {commit}, {commit:N} (its first N characters),
// {environment}, {project}, and
// {artifact.<name>.url} or {artifact.<name>.sha256} for an artifact of the
// version. The first group is what is between the braces.
var ParameterPlaceholder = regexp.MustCompile(`\{((?:version|commit(?::[0-9]+)?|environment|project)|artifact\.[^{}/]+\.(?:url|sha256))\}`)

// CloudFormationCapabilities are the capabilities a template may be granted.
var CloudFormationCapabilities = []string{"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"}

// S3Deploy publishes files under a bucket prefix: an artifact (a .tar.gz
// or .tgz is unpacked) or a directory of a checkout of the version's commit.
// See s3deploy.go for its placeholders and layout.
type S3Deploy struct {
	Bucket string `yaml:"bucket" json:"bucket"`
	// Prefix is templated with {project}, {version}, {commit}, {commit:N},
	// {environment}, {owner} and {repo}, such as "u/{owner}/{repo}/{commit:10}/".
	Prefix string `yaml:"prefix" json:"prefix,omitempty"`
	// Artifact names the artifact to publish; Source is its older name.
	Artifact string `yaml:"artifact" json:"artifact,omitempty"`
	Source   string `yaml:"source" json:"source,omitempty"`
	// Path is a directory of the repository to publish instead.
	Path string `yaml:"path" json:"path,omitempty"`
	// Atomic publishes each version under <prefix>.releases/<version>/ and
	// then points <prefix>current.json at it.
	Atomic       bool              `yaml:"atomic" json:"atomic,omitempty"`
	ContentTypes map[string]string `yaml:"content_types" json:"content_types,omitempty"`
	CacheControl string            `yaml:"cache_control" json:"cache_control,omitempty"`
	// Manifest is a file of the repository, read at the version's commit
	// and published beside the files under its base name (tX's
	// manifest.json); empty for none.
	Manifest string `yaml:"manifest" json:"manifest,omitempty"`
	// ProjectIndex is the key of a JSON object listing every commit
	// published through it (tX's project.json), updated after each
	// publish; templated as Prefix. Empty for none.
	ProjectIndex string `yaml:"project_index" json:"project_index,omitempty"`
	// Layouts template the published files before they go up: each file
	// matching a layout's pattern (by name, the first layout that matches)
	// is rendered through that layout, an html/template of the repository
	// at the version's commit (tX's templating deploy).
	Layouts []S3Layout `yaml:"layouts" json:"layouts,omitempty"`
}

// S3Layout renders the published files whose base name matches Match
// (path.Match, such as "*.html") through File, an html/template read from
// the repository at the version's commit. The template gets .Content (the
// file, as HTML), .Path (its key below the release), .Project, .Version,
// .Commit and .Environment.
type S3Layout struct {
	Match string `yaml:"match" json:"match"`
	File  string `yaml:"file" json:"file"`
}

// WebhookDeploy asks an external deployer to deploy, and waits for it to
// report back through a callback URL.
type WebhookDeploy struct {
	URL     string   `yaml:"url" json:"url"`
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty"`
}
