// Package cfnfake is an in-memory AWS CloudFormation for tests: an HTTP
// server speaking CloudFormation's awsQuery protocol (form POST, XML
// answers, ErrorResponse errors) for CreateChangeSet, DescribeChangeSet,
// ExecuteChangeSet, DeleteChangeSet, DescribeStacks and DescribeStackEvents,
// so the real AWS SDK client talks to it through a custom endpoint.
//
// Stacks live in memory. A change set takes one Describe call to be created;
// an executed change set advances one step per Describe call on its stack
// (each resource goes IN_PROGRESS then COMPLETE, with stack events), so a
// deploy is seen progressing over a few polls. Resources come from the
// template's Resources; one of Type Drover::Fake::Fail fails the execution
// with its Properties.Reason, ending in ROLLBACK_COMPLETE (create) or
// UPDATE_ROLLBACK_COMPLETE (update). Outputs are the template's Outputs,
// with Ref and Fn::Sub resolved against parameters and resources.
package cfnfake

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"time"
)

// Call is one API call the fake received.
type Call struct {
	Action string
	Params url.Values
}

// Fake is the fake CloudFormation; it is an http.Handler.
type Fake struct {
	mu       sync.Mutex
	stacks   map[string]*stack // by name
	order    []*stack
	throttle int
	calls    []Call
	seq      int
	now      func() time.Time
}

// New returns an empty fake.
func New() *Fake {
	return &Fake{stacks: map[string]*stack{}, now: time.Now}
}

// Throttle makes the next n calls fail with a Throttling error.
func (f *Fake) Throttle(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.throttle = n
}

// Calls returns the calls received so far, throttled ones included.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

// Count returns how many calls of action were received.
func (f *Fake) Count(action string) int {
	n := 0
	for _, c := range f.Calls() {
		if c.Action == action {
			n++
		}
	}
	return n
}

// Stack is a snapshot of a stack.
type Stack struct {
	Name, ID, Status, StatusReason string
	Template                       string
	Parameters                     map[string]string
	Outputs                        map[string]string
	ChangeSets                     []string // names of the change sets it holds
}

// Stack returns a snapshot of the stack named name.
func (f *Fake) Stack(name string) (Stack, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.stacks[name]
	if !ok {
		return Stack{}, false
	}
	out := Stack{Name: s.name, ID: s.id, Status: s.status, StatusReason: s.reason, Template: s.body,
		Parameters: maps.Clone(s.params), Outputs: map[string]string{}}
	for _, o := range s.outputs {
		out.Outputs[o.OutputKey] = o.OutputValue
	}
	for name := range s.changeSets {
		out.ChangeSets = append(out.ChangeSets, name)
	}
	sort.Strings(out.ChangeSets)
	return out, true
}

// ServeHTTP answers one query API call.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeError(w, "", validationError("cannot parse the request: %v", err))
		return
	}
	action := r.PostForm.Get("Action")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	requestID := fmt.Sprintf("00000000-0000-4000-8000-%012d", f.seq)
	f.calls = append(f.calls, Call{Action: action, Params: r.PostForm})
	if f.throttle > 0 {
		f.throttle--
		writeError(w, requestID, &apiError{http.StatusBadRequest, "Throttling", "Rate exceeded"})
		return
	}
	if r.Method != http.MethodPost || r.PostForm.Get("Version") != "2010-05-15" {
		writeError(w, requestID, &apiError{http.StatusBadRequest, "InvalidAction", "expected a POST of Version 2010-05-15"})
		return
	}
	handlers := map[string]func(url.Values) (any, error){
		"CreateChangeSet":     f.createChangeSet,
		"DescribeChangeSet":   f.describeChangeSet,
		"ExecuteChangeSet":    f.executeChangeSet,
		"DeleteChangeSet":     f.deleteChangeSet,
		"DescribeStacks":      f.describeStacks,
		"DescribeStackEvents": f.describeStackEvents,
	}
	h, ok := handlers[action]
	if !ok {
		writeError(w, requestID, &apiError{http.StatusBadRequest, "InvalidAction", fmt.Sprintf("Could not find operation %s", action)})
		return
	}
	body, err := h(r.PostForm)
	if err != nil {
		var e *apiError
		if !errors.As(err, &e) {
			e = &apiError{http.StatusInternalServerError, "InternalFailure", err.Error()}
		}
		writeError(w, requestID, e)
		return
	}
	writeResult(w, action, requestID, body)
}

// members reads a list parameter: prefix.member.1, prefix.member.2, ...
func members(form url.Values, prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := form[fmt.Sprintf("%s.member.%d", prefix, i)]
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}

// parameters reads Parameters.member.N.ParameterKey/ParameterValue.
func parameters(form url.Values) map[string]string {
	out := map[string]string{}
	for i := 1; ; i++ {
		key := fmt.Sprintf("Parameters.member.%d.", i)
		k, ok := form[key+"ParameterKey"]
		if !ok {
			return out
		}
		out[k[0]] = form.Get(key + "ParameterValue")
	}
}

// lookup finds a stack by name or ID.
func (f *Fake) lookup(nameOrID string) (*stack, bool) {
	if s, ok := f.stacks[nameOrID]; ok {
		return s, true
	}
	for _, s := range f.order {
		if s.id == nameOrID {
			return s, true
		}
	}
	return nil, false
}

func (f *Fake) describeStacks(form url.Values) (any, error) {
	name := form.Get("StackName")
	var res describeStacksResult
	if name == "" {
		for _, s := range f.order {
			s.advance(f.now())
			res.Stacks = append(res.Stacks, s.xml())
		}
		return res, nil
	}
	s, ok := f.lookup(name)
	if !ok {
		return nil, validationError("Stack with id %s does not exist", name)
	}
	s.advance(f.now())
	res.Stacks = append(res.Stacks, s.xml())
	return res, nil
}

// eventPage is how many events DescribeStackEvents answers at once (AWS
// answers up to 100), small so that callers must page.
const eventPage = 5

func (f *Fake) describeStackEvents(form url.Values) (any, error) {
	name := form.Get("StackName")
	s, ok := f.lookup(name)
	if !ok {
		return nil, validationError("Stack [%s] does not exist", name)
	}
	// Newest first; the token is the index of the next (older) event.
	from := len(s.events) - 1
	if tok := form.Get("NextToken"); tok != "" {
		if _, err := fmt.Sscanf(tok, "before-%d", &from); err != nil || from >= len(s.events) {
			return nil, validationError("Invalid NextToken")
		}
	} else {
		s.advance(f.now())
		from = len(s.events) - 1
	}
	var res describeStackEventsResult
	i := from
	for ; i >= 0 && len(res.StackEvents) < eventPage; i-- {
		res.StackEvents = append(res.StackEvents, s.events[i])
	}
	if i >= 0 {
		res.NextToken = fmt.Sprintf("before-%d", i)
	}
	return res, nil
}
