package api

import (
	"sync"

	"github.com/drover-ci/drover/pipeline"
)

// Bounds of definitionCache: it keeps the definitions of the projects built
// lately, not every definition ever read.
const (
	maxCachedDefinitions     = 64
	maxCachedDefinitionBytes = 64 << 10 // a longer definition is parsed each time
)

// definitionCache keeps the projects of definitions without includes by
// their text, so that the builds of a project, commit after commit, do not
// parse the same definition again: parsing (YAML, then validation) was
// about 0.4 ms of CPU and 180 KB of garbage per build started through the
// API. A definition parses to the same project whatever repository or
// commit it was read from as long as it includes nothing: ParseIncluding
// reads nothing else. Each get returns a copy (pipeline.Project.Clone), so
// that a caller changing its project changes no other's. The oldest entry
// makes room for a new one. The zero value is ready.
type definitionCache struct {
	mu     sync.Mutex
	byText map[string]*pipeline.Project
	order  []string // the keys of byText, oldest first
}

// get returns a copy of the project of the definition data, or nil.
func (c *definitionCache) get(data []byte) *pipeline.Project {
	c.mu.Lock()
	p := c.byText[string(data)]
	c.mu.Unlock()
	return p.Clone()
}

// put keeps a copy of p, the project of the definition data.
func (c *definitionCache) put(data []byte, p *pipeline.Project) {
	if len(data) > maxCachedDefinitionBytes {
		return
	}
	kept := p.Clone()
	c.mu.Lock()
	defer c.mu.Unlock()
	key := string(data)
	if _, ok := c.byText[key]; ok {
		return
	}
	if c.byText == nil {
		c.byText = map[string]*pipeline.Project{}
	}
	if len(c.order) >= maxCachedDefinitions {
		delete(c.byText, c.order[0])
		c.order = c.order[1:]
	}
	c.byText[key] = kept
	c.order = append(c.order, key)
}
