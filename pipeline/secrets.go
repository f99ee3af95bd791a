package pipeline

import (
	"fmt"
	"regexp"
	"strings"
)

// Ways a step is given a secret.
const (
	SecretAsEnv  = "env"  // an environment variable named after the secret (the default)
	SecretAsFile = "file" // a read-only file $DROVER_SECRETS_DIR/<name>
)

// SecretRef names a secret of the project (or of the environment, for
// promotion steps) that a step receives. In drover.yaml it is a name,
// `secrets: [AWS_SECRET_ACCESS_KEY]`, or a mapping, `{name: KEY, as: file}`.
// Only names travel in plans and workflow history; the worker reads values
// at run time.
type SecretRef struct {
	Name string `yaml:"name" json:"name"`
	// As is SecretAsEnv (empty) or SecretAsFile.
	As string `yaml:"as" json:"as,omitempty"`
}

// UnmarshalYAML accepts a bare name as well as the mapping.
func (r *SecretRef) UnmarshalYAML(unmarshal func(any) error) error {
	var name string
	if err := unmarshal(&name); err == nil {
		*r = SecretRef{Name: name}
		return nil
	}
	type plain SecretRef
	var p plain
	if err := unmarshal(&p); err != nil {
		return err
	}
	*r = SecretRef(p)
	return nil
}

// secretNamePattern is the name of a secret: an environment variable name.
var secretNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)

// SecretNames returns the names of refs.
func SecretNames(refs []SecretRef) []string {
	names := make([]string, 0, len(refs))
	for _, r := range refs {
		names = append(names, r.Name)
	}
	return names
}

func (v *validator) secrets(field string, refs []SecretRef) {
	seen := map[string]string{}
	for i, r := range refs {
		f := fmt.Sprintf("%s.secrets[%d]", field, i)
		switch {
		case !secretNamePattern.MatchString(r.Name):
			v.add(f+".name", "invalid secret name %q: use letters, digits and '_', not starting with a digit", r.Name)
		case strings.HasPrefix(strings.ToUpper(r.Name), "DROVER_"):
			v.add(f+".name", "names starting with DROVER_ are reserved for Drover")
		}
		v.unique(seen, f+".name", "secret", r.Name)
		if r.As != "" && r.As != SecretAsEnv && r.As != SecretAsFile {
			v.add(f+".as", "must be %q or %q", SecretAsEnv, SecretAsFile)
		}
	}
}
