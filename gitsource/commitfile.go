package gitsource

import (
	"context"
	"errors"
	"fmt"
)

// ErrUnresolved is returned (wrapped) by ReadCommitFile when ref cannot be
// resolved to a commit of the repository.
var ErrUnresolved = errors.New("cannot resolve ref to a commit")

// CommitFile is a commit and one of its files, read together.
type CommitFile struct {
	// Commit is the full SHA ref resolved to.
	Commit string
	// Info describes Commit; it is zero when it was not read along with
	// the file (the caller may Describe the commit).
	Info CommitInfo
	// Data is the file's content.
	Data []byte
}

// ReadCommitFile resolves ref in repository and reads file at the commit:
// what Resolve and ReadFile return, and the commit's description. A full
// SHA of a local repository takes one round trip to the repository's
// cat-file process, instead of one per call; anything else is resolved and
// read as Resolve and ReadFile do, and leaves Info zero.
//
// Errors: errors.Is(err, ErrUnresolved) when ref resolves to no commit;
// errors.Is(err, ErrFileNotFound), with Commit set, when the commit has no
// such file.
func (s *Source) ReadCommitFile(ctx context.Context, repository, ref, file string) (CommitFile, error) {
	dir, local := localDir(repository)
	if !local || !fullSHA.MatchString(ref) {
		commit, err := s.Resolve(ctx, repository, ref)
		if err != nil {
			return CommitFile{}, fmt.Errorf("%w: %w", ErrUnresolved, err)
		}
		data, err := s.ReadFile(ctx, repository, commit, file)
		return CommitFile{Commit: commit, Data: data}, err
	}
	clean, err := cleanPath(file)
	if err != nil {
		return CommitFile{}, fmt.Errorf("read %s at %s in %s: %w", file, ref, Redact(repository), err)
	}
	objs, err := s.catObjects(ctx, dir, ref+"^{commit}", ref+":"+clean)
	if err != nil {
		return CommitFile{}, fmt.Errorf("resolve %q in %s: %w: git cat-file: %w", ref, Redact(repository), ErrUnresolved, err)
	}
	if objs[0].typ != "commit" {
		return CommitFile{}, fmt.Errorf("resolve %q in %s: %w: %w", ref, Redact(repository), ErrUnresolved, errUnknownRevision)
	}
	cf := CommitFile{Commit: objs[0].oid, Info: parseCommit(objs[0].content)}
	switch t := objs[1].typ; t {
	case "blob":
		cf.Data = objs[1].content
		return cf, nil
	case "":
		err = ErrFileNotFound
	default:
		err = fmt.Errorf("%w: a %s, not a file", ErrFileNotFound, t)
	}
	return CommitFile{Commit: cf.Commit}, fmt.Errorf("read %s at %s in %s: %w", file, cf.Commit, Redact(repository), err)
}
