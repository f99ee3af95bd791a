package gitsource

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// batchIdle is how long an unused `git cat-file --batch` process is kept.
const batchIdle = 30 * time.Second

// batchProcs is how many cat-file processes one repository may have:
// reads in flight together (webhooks from several senders) each take an
// idle process, up to this many, instead of queueing behind one.
const batchProcs = 4

// catFile is a long-lived `git cat-file --batch` in one repository. Starting
// a git process costs several milliseconds, and the API reads a commit and
// its drover.yaml for every webhook; a process answers those reads in
// microseconds. Requests to one process are serialized by mu.
type catFile struct {
	mu     sync.Mutex
	users  int // reads holding or waiting for the process; guarded by Source.mu
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	idle   *time.Timer
	broken bool
}

// batchObject is cat-file's answer for one object name.
type batchObject struct {
	oid     string
	typ     string // "commit", "tree", "blob", "tag"; "" when missing
	content []byte
}

// errBatchBroken says the process died or was killed; the caller retries
// with a fresh one.
var errBatchBroken = errors.New("git cat-file process ended")

// batch returns a cat-file process of the repository at dir for one read,
// which the caller gives back with release: an idle one, a new one when
// all are busy and dir has fewer than batchProcs, else the least busy.
func (s *Source) batch(dir string) (*catFile, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var least *catFile
	for _, c := range s.batches[dir] {
		if least == nil || c.users < least.users {
			least = c
		}
	}
	if least != nil && (least.users == 0 || len(s.batches[dir]) >= batchProcs) {
		least.users++
		return least, nil
	}
	cmd := exec.Command("git", "cat-file", "--batch")
	cmd.Dir = dir
	cmd.Env = gitEnv()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	c := &catFile{cmd: cmd, stdin: stdin, stdout: bufio.NewReaderSize(stdout, 64<<10), users: 1}
	c.idle = time.AfterFunc(batchIdle, func() { s.dropBatch(dir, c) })
	if s.batches == nil {
		s.batches = map[string][]*catFile{}
	}
	s.batches[dir] = append(s.batches[dir], c)
	return c, nil
}

// release gives back c, taken by batch.
func (s *Source) release(c *catFile) {
	s.mu.Lock()
	c.users--
	s.mu.Unlock()
}

// dropBatch stops c and forgets it if it is still one of dir's processes.
func (s *Source) dropBatch(dir string, c *catFile) {
	s.mu.Lock()
	if procs, ok := s.batches[dir]; ok {
		procs = slices.DeleteFunc(procs, func(b *catFile) bool { return b == c })
		if len(procs) == 0 {
			delete(s.batches, dir)
		} else {
			s.batches[dir] = procs
		}
	}
	s.mu.Unlock()
	c.stop()
}

// stop ends the process; a request in flight fails with errBatchBroken.
func (c *catFile) stop() {
	_ = c.stdin.Close()
	_ = c.cmd.Process.Kill()
	go func() { _ = c.cmd.Wait() }()
}

// Close stops the cached git processes. The Source stays usable.
func (s *Source) Close() {
	s.mu.Lock()
	batches := s.batches
	s.batches = nil
	s.mu.Unlock()
	for _, procs := range batches {
		for _, c := range procs {
			c.idle.Stop()
			c.stop()
		}
	}
}

// catObjects looks names up in the repository at dir, one answer per name,
// retrying once with a fresh process when the cached one has ended.
func (s *Source) catObjects(ctx context.Context, dir string, names ...string) ([]batchObject, error) {
	for _, n := range names {
		if strings.ContainsAny(n, "\n\x00") {
			return nil, fmt.Errorf("invalid object name %q", n)
		}
	}
	for attempt := 0; ; attempt++ {
		c, err := s.batch(dir)
		if err != nil {
			return nil, err
		}
		objs, err := c.lookup(ctx, names)
		s.release(c)
		if errors.Is(err, errBatchBroken) {
			s.dropBatch(dir, c)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if attempt == 0 {
				continue
			}
		}
		return objs, err
	}
}

// lookup sends names and reads their answers. A cancelled ctx kills the
// process, since a blocked read cannot be interrupted otherwise.
func (c *catFile) lookup(ctx context.Context, names []string) ([]batchObject, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken {
		return nil, errBatchBroken
	}
	c.idle.Reset(batchIdle)
	stopKill := context.AfterFunc(ctx, func() { _ = c.cmd.Process.Kill() })
	defer stopKill()
	objs, err := c.exchange(names)
	if err != nil {
		c.broken = true
		return nil, fmt.Errorf("%w: %w", errBatchBroken, err)
	}
	return objs, nil
}

func (c *catFile) exchange(names []string) ([]batchObject, error) {
	var req bytes.Buffer
	for _, n := range names {
		req.WriteString(n)
		req.WriteByte('\n')
	}
	if _, err := c.stdin.Write(req.Bytes()); err != nil {
		return nil, err
	}
	objs := make([]batchObject, len(names))
	for i := range names {
		header, err := c.stdout.ReadString('\n')
		if err != nil {
			return nil, err
		}
		// "<oid> <type> <size>", or "<name> missing" / "<name> ambiguous"
		// where the name may hold spaces.
		if strings.HasSuffix(header, " missing\n") || strings.HasSuffix(header, " ambiguous\n") {
			continue // typ stays ""
		}
		fields := strings.Fields(header)
		if len(fields) != 3 {
			return nil, fmt.Errorf("unexpected cat-file header %q", header)
		}
		size, err := strconv.Atoi(fields[2])
		if err != nil || size < 0 {
			return nil, fmt.Errorf("unexpected cat-file header %q", header)
		}
		content := make([]byte, size+1) // and the trailing newline
		if _, err := io.ReadFull(c.stdout, content); err != nil {
			return nil, err
		}
		objs[i] = batchObject{oid: fields[0], typ: fields[1], content: content[:size]}
	}
	return objs, nil
}
