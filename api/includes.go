package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/registry"
)

// parseDefinition parses data, the definition read from repository at
// commit, resolving its includes (see includeFetch). Its errors are ready
// for c.Error: a bad definition or a refused include is a 400.
func (s *Server) parseDefinition(ctx context.Context, repository, commit string, data []byte) (*pipeline.Project, error) {
	return s.parseDefinitionOf(ctx, "", repository, commit, data)
}

// parseDefinitionOf is parseDefinition for a definition that must be
// project's: one of another project reads no include (the caller refuses it).
// A definition without includes is parsed once: its project is kept by its
// text (see definitionCache) and each caller gets a copy.
func (s *Server) parseDefinitionOf(ctx context.Context, project, repository, commit string, data []byte) (*pipeline.Project, error) {
	if p := s.definitions.get(data); p != nil {
		return p, nil
	}
	fetch, included := s.includeFetch(ctx, project, repository, commit), false
	p, err := pipeline.ParseIncluding(DefinitionFile, data, func(project string, inc pipeline.Include) (pipeline.IncludedFile, error) {
		included = true
		return fetch(project, inc)
	})
	if err == nil && !included {
		s.definitions.put(data, p)
	}
	return p, err
}

// includeFetch reads the template files of a definition read from
// repository at commit (repository empty: a definition given by hand),
// which must be project's when project is set.
//
// A file of the build's own repository is read at commit. A file of
// another project is read from the first repository of its registration,
// at a full commit SHA or a tag (a branch would make builds
// irreproducible), and only when that project shares its templates with the
// definition's project, whose registration must list repository: an
// include never reads an arbitrary URL, nor a private project's files for
// a project it does not share them with. Nothing but the file is read: the
// template's tasks run in the including build, with its project's secrets
// (those it grants beside use) and never another's.
func (s *Server) includeFetch(ctx context.Context, expect, repository, commit string) pipeline.Fetch {
	return func(project string, inc pipeline.Include) (pipeline.IncludedFile, error) {
		if expect != "" && project != expect {
			return pipeline.IncludedFile{}, &pipeline.IncludeError{
				Msg: fmt.Sprintf("the definition is of project %s, not %s: its includes are not read", project, expect)}
		}
		if inc.Project == "" {
			if repository == "" {
				return pipeline.IncludedFile{}, &pipeline.IncludeError{
					Msg: "a definition given by hand has no repository to read " + inc.File + " from: give the repository and commit instead"}
			}
			data, err := s.readIncluded(ctx, repository, commit, inc.File, "this repository")
			return pipeline.IncludedFile{Source: inc.File, Data: data}, err
		}
		target, err := s.includedProject(project, repository, inc.Project)
		if err != nil {
			return pipeline.IncludedFile{}, err
		}
		repo := target.Repositories[0]
		ref, pinned := inc.Ref, pipeline.IsCommitSHA(inc.Ref)
		if !pinned {
			ref = "refs/tags/" + ref
		}
		sha, err := s.Source.Resolve(ctx, repo, ref)
		if err == nil && pinned && sha != inc.Ref {
			// A pinned file is read at that very commit, never at a ref
			// that happens to be spelled like it.
			err = fmt.Errorf("%s resolves to %s", inc.Ref, sha)
		}
		if err != nil {
			s.logger().WarnContext(ctx, "resolve include ref failed", "project", inc.Project,
				"repository", gitsource.Redact(repo), "ref", inc.Ref, "error", err)
			return pipeline.IncludedFile{}, &pipeline.IncludeError{Field: "ref", Msg: fmt.Sprintf(
				"%q is not a tag or a full commit SHA of project %s (a branch is not allowed: builds would not be reproducible)",
				inc.Ref, inc.Project)}
		}
		data, err := s.readIncluded(ctx, repo, sha, inc.File, "project "+inc.Project)
		source := fmt.Sprintf("%s@%s:%s", inc.Project, shortCommit(sha), inc.File)
		return pipeline.IncludedFile{Source: source, Data: data}, err
	}
}

// includedProject returns the registration of project target, whose
// template files project (whose definition was read from repository) includes.
func (s *Server) includedProject(project, repository, target string) (*registry.Project, error) {
	refuse := func(format string, args ...any) error {
		return &pipeline.IncludeError{Field: "project", Msg: fmt.Sprintf(format, args...)}
	}
	if s.Registry == nil {
		return nil, refuse("project %s is not registered: an include of another project's file needs a projects file (DROVER_PROJECTS_FILE) that registers both", target)
	}
	p, ok := s.Registry.Project(target)
	if !ok {
		return nil, refuse("project %s is not registered: only registered projects' repositories are included", target)
	}
	if len(p.Repositories) == 0 {
		return nil, refuse("project %s lists no repository", target)
	}
	including, ok := s.Registry.Project(project)
	if !ok || (repository != "" && !including.HasRepository(repository)) {
		return nil, refuse("this repository is not registered for project %s, so its definition includes no registered project's files", project)
	}
	if !p.SharesTemplatesWith(project) {
		return nil, refuse("project %s does not share its templates with project %s (its reads are private: its registration must list %s in share_templates_with)",
			target, project, project)
	}
	return p, nil
}

// readIncluded reads file at commit of repository, named where in errors.
func (s *Server) readIncluded(ctx context.Context, repository, commit, file, where string) ([]byte, error) {
	data, err := s.Source.ReadFile(ctx, repository, commit, file)
	if errors.Is(err, gitsource.ErrFileNotFound) {
		return nil, &pipeline.IncludeError{Field: "file", Msg: fmt.Sprintf("no %s in %s at %s", file, where, shortCommit(commit))}
	}
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", file, shortCommit(commit), err)
	}
	return data, nil
}
