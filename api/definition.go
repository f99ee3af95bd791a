package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/pipeline"
)

// promotionDefinition parses a project definition that must define the
// promotion of project and returns it (its environments, in order, and its
// notification sinks). The definition was read from repository at commit,
// which resolve its includes; both are empty for a definition given by hand.
func (s *Server) promotionDefinition(ctx context.Context, project string, data []byte, where, repository, commit string) (*pipeline.Project, error) {
	p, err := s.parseDefinitionOf(ctx, project, repository, commit, data)
	if err != nil {
		return nil, err // mapped to bad_definition
	}
	if p.Project != project {
		return nil, errorf(http.StatusBadRequest, codeBadDefinition,
			"%s %s is the definition of project %q, not %q", DefinitionFile, where, p.Project, project)
	}
	if p.Promotion == nil || len(p.Promotion.Environments) == 0 {
		return nil, errorf(http.StatusBadRequest, codeBadDefinition,
			"%s %s defines no promotion environments", DefinitionFile, where)
	}
	return p, nil
}

// environmentsAt reads the definition of project, which must define a promotion, from the
// definition in repository at commit; it returns the full commit SHA too.
func (s *Server) environmentsAt(ctx context.Context, project, repository, commit string) (*pipeline.Project, string, error) {
	repo := gitsource.Redact(repository)
	sha, err := s.Source.Resolve(ctx, repository, commit)
	if err != nil {
		s.logger().WarnContext(ctx, "resolve commit failed", "repository", repo, "ref", commit, "error", err)
		return nil, "", errorf(http.StatusBadRequest, codeBadRepository, "cannot resolve %q in repository %s", commit, repo)
	}
	data, err := s.Source.ReadFile(ctx, repository, sha, DefinitionFile)
	if errors.Is(err, gitsource.ErrFileNotFound) {
		return nil, "", errorf(http.StatusBadRequest, codeNoDefinition, "no %s at %s", DefinitionFile, sha)
	}
	if err != nil {
		return nil, "", fmt.Errorf("read %s at %s: %w", DefinitionFile, sha, err)
	}
	def, err := s.promotionDefinition(ctx, project, data, "at "+sha, repository, sha)
	return def, sha, err
}
