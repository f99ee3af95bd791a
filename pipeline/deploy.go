package pipeline

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

// CloudFormationDeploy creates or updates a stack from a template in the repository.
type CloudFormationDeploy struct {
	Stack      string            `yaml:"stack" json:"stack"`
	Template   string            `yaml:"template" json:"template"`
	Parameters map[string]string `yaml:"parameters" json:"parameters,omitempty"`
}

// S3Deploy publishes files under a bucket prefix.
type S3Deploy struct {
	Bucket string `yaml:"bucket" json:"bucket"`
	Prefix string `yaml:"prefix" json:"prefix,omitempty"`
	// Source is the artifact name or workspace path to publish.
	Source string `yaml:"source" json:"source"`
}

// WebhookDeploy asks an external deployer to deploy, and waits for it to
// report back through a callback URL.
type WebhookDeploy struct {
	URL     string   `yaml:"url" json:"url"`
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty"`
}
