package cfnfake

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"
)

const (
	arnPrefix = "arn:aws:cloudformation:us-east-1:123456789012:"
	// NoChangesReason is the StatusReason of a change set that would change nothing.
	NoChangesReason = "The submitted information didn't contain changes. Submit different information to create a change set."
)

type stack struct {
	name, id       string
	status, reason string
	body           string
	tmpl           *template
	params         map[string]string
	capabilities   []string
	outputs        []xmlOutput
	physical       map[string]string // logical ID → physical ID of the resources in place
	created        time.Time
	updated        time.Time
	events         []xmlEvent // oldest first
	changeSets     map[string]*changeSet
	steps          []func(time.Time) // what an execution still has to do
}

type changeSet struct {
	name, id     string
	typ          string // CREATE or UPDATE
	status       string
	reason       string
	exec         string
	final        func() // turns CREATE_IN_PROGRESS into the final status on the next Describe
	body         string
	tmpl         *template
	params       map[string]string
	capabilities []string
	changes      []xmlChange
	created      time.Time
}

func shortHash(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:])[:12]
}

func (s *stack) xml() xmlStack {
	x := xmlStack{StackId: s.id, StackName: s.name, CreationTime: timestamp(s.created), StackStatus: s.status,
		StackStatusReason: s.reason, Capabilities: s.capabilities, Outputs: s.outputs}
	if !s.updated.IsZero() {
		x.LastUpdatedTime = timestamp(s.updated)
	}
	x.Parameters = sortedParams(s.params)
	return x
}

func sortedParams(params map[string]string) []xmlParameter {
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]xmlParameter, 0, len(names))
	for _, n := range names {
		out = append(out, xmlParameter{ParameterKey: n, ParameterValue: params[n]})
	}
	return out
}

// event appends a stack event.
func (s *stack) event(now time.Time, logical, physical, typ, status, reason string) {
	s.events = append(s.events, xmlEvent{
		StackId: s.id, StackName: s.name, EventId: fmt.Sprintf("%s-%s-%d", logical, status, len(s.events)+1),
		LogicalResourceId: logical, PhysicalResourceId: physical, ResourceType: typ,
		Timestamp: timestamp(now), ResourceStatus: status, ResourceStatusReason: reason,
	})
}

func (s *stack) stackEvent(now time.Time, status, reason string) {
	s.status, s.reason = status, reason
	s.event(now, s.name, s.id, "AWS::CloudFormation::Stack", status, reason)
}

// advance runs the next step of an execution in progress, if any.
func (s *stack) advance(now time.Time) {
	if len(s.steps) == 0 {
		return
	}
	step := s.steps[0]
	s.steps = s.steps[1:]
	step(now)
}

// execute plans the steps of executing cs.
func (s *stack) execute(now time.Time, cs *changeSet) {
	create := cs.typ == "CREATE"
	verb := "UPDATE"
	if create {
		verb = "CREATE"
	}
	cs.exec = "EXECUTE_IN_PROGRESS"
	s.stackEvent(now, verb+"_IN_PROGRESS", "User Initiated")
	for id, other := range s.changeSets {
		if other != cs {
			delete(s.changeSets, id)
		}
	}
	physical := maps.Clone(s.physical)
	if physical == nil {
		physical = map[string]string{}
	}
	var done []resource
	for _, r := range cs.tmpl.resources {
		rverb := "CREATE"
		if _, ok := physical[r.id]; ok {
			rverb = "UPDATE"
		}
		s.steps = append(s.steps, func(now time.Time) {
			pid := physical[r.id]
			if pid == "" {
				pid = fmt.Sprintf("%s-%s-%s", s.name, r.id, shortHash(s.id, r.id))
			}
			s.event(now, r.id, pid, r.typ, rverb+"_IN_PROGRESS", "")
		}, func(now time.Time) {
			pid := fmt.Sprintf("%s-%s-%s", s.name, r.id, shortHash(s.id, r.id))
			if r.typ == FailType {
				reason := r.reason
				if reason == "" {
					reason = "Resource handler returned message: \"" + r.id + " was told to fail\""
				}
				s.event(now, r.id, pid, r.typ, rverb+"_FAILED", reason)
				s.steps = s.rollback(cs, r.id, done)
				return
			}
			physical[r.id] = pid
			done = append(done, r)
			s.event(now, r.id, pid, r.typ, rverb+"_COMPLETE", "")
		})
	}
	if !create {
		s.steps = append(s.steps, func(now time.Time) {
			s.stackEvent(now, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "")
			for id, pid := range s.physical {
				if !cs.tmpl.has(id) {
					s.event(now, id, pid, "", "DELETE_COMPLETE", "")
					delete(physical, id)
				}
			}
		})
	}
	s.steps = append(s.steps, func(now time.Time) {
		s.physical, s.body, s.tmpl, s.params, s.capabilities = physical, cs.body, cs.tmpl, cs.params, cs.capabilities
		s.outputs = s.renderOutputs()
		if !create {
			s.updated = now
		}
		s.stackEvent(now, verb+"_COMPLETE", "")
		cs.exec = "EXECUTE_COMPLETE"
	})
}

// rollback is the steps that undo a failed execution of cs.
func (s *stack) rollback(cs *changeSet, failed string, done []resource) []func(time.Time) {
	create := cs.typ == "CREATE"
	status, what := "UPDATE_ROLLBACK", "update"
	if create {
		status, what = "ROLLBACK", "create"
	}
	return []func(time.Time){
		func(now time.Time) {
			s.stackEvent(now, status+"_IN_PROGRESS",
				fmt.Sprintf("The following resource(s) failed to %s: [%s]. Rollback requested by user.", what, failed))
		},
		func(now time.Time) {
			for _, r := range done {
				if _, existed := s.physical[r.id]; !existed {
					s.event(now, r.id, fmt.Sprintf("%s-%s-%s", s.name, r.id, shortHash(s.id, r.id)), r.typ, "DELETE_COMPLETE", "")
				}
			}
		},
		func(now time.Time) {
			if !create {
				s.updated = now
			}
			s.stackEvent(now, status+"_COMPLETE", "")
			cs.exec = "EXECUTE_FAILED"
		},
	}
}

func (t *template) has(id string) bool {
	for _, r := range t.resources {
		if r.id == id {
			return true
		}
	}
	return false
}

func (s *stack) renderOutputs() []xmlOutput {
	if s.tmpl == nil {
		return nil
	}
	refs := maps.Clone(s.params)
	if refs == nil {
		refs = map[string]string{}
	}
	maps.Copy(refs, s.physical)
	refs["AWS::StackName"], refs["AWS::StackId"], refs["AWS::Region"] = s.name, s.id, "us-east-1"
	var out []xmlOutput
	for _, name := range s.tmpl.outNames {
		out = append(out, xmlOutput{OutputKey: name, OutputValue: value(s.tmpl.outputs[name], refs)})
	}
	return out
}

// changes lists what executing a change set of t with params would do to s.
func (s *stack) changes(t *template) []xmlChange {
	var out []xmlChange
	for _, r := range t.resources {
		action := "Add"
		if _, ok := s.physical[r.id]; ok {
			action = "Modify"
		}
		out = append(out, xmlChange{Type: "Resource", ResourceChange: xmlResourceChange{Action: action, LogicalResourceId: r.id, ResourceType: r.typ}})
	}
	if s.tmpl != nil {
		for _, r := range s.tmpl.resources {
			if !t.has(r.id) {
				out = append(out, xmlChange{Type: "Resource", ResourceChange: xmlResourceChange{Action: "Remove", LogicalResourceId: r.id, ResourceType: r.typ}})
			}
		}
	}
	return out
}
