package cfnfake

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

var changeSetNamePattern = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]{0,127}$`)

// updatable are the stack statuses from which an UPDATE change set may be created.
var updatable = []string{"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"}

func (f *Fake) createChangeSet(form url.Values) (any, error) {
	stackName, name := form.Get("StackName"), form.Get("ChangeSetName")
	if stackName == "" {
		return nil, validationError("1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null")
	}
	if !changeSetNamePattern.MatchString(name) {
		return nil, validationError("1 validation error detected: Value '%s' at 'changeSetName' failed to satisfy constraint: "+
			"Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*", name)
	}
	body := form.Get("TemplateBody")
	if body == "" {
		return nil, validationError("Either Template URL or Template Body must be specified.")
	}
	typ := form.Get("ChangeSetType")
	if typ == "" {
		typ = "UPDATE"
	}
	tmpl, perr := parseTemplate(body)
	if perr != nil {
		return nil, perr
	}
	params, perr := tmpl.resolveParams(parameters(form))
	if perr != nil {
		return nil, perr
	}
	caps := members(form, "Capabilities")
	for _, r := range tmpl.resources {
		if strings.HasPrefix(r.typ, "AWS::IAM::") && !slices.Contains(caps, "CAPABILITY_IAM") && !slices.Contains(caps, "CAPABILITY_NAMED_IAM") {
			return nil, &apiError{http.StatusBadRequest, "InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_IAM]"}
		}
	}
	now := f.now()
	s, exists := f.lookup(stackName)
	switch {
	case typ == "CREATE" && exists && s.status != "REVIEW_IN_PROGRESS":
		return nil, validationError("Stack [%s] already exists and cannot be created again with the changeSet [%s].", stackName, name)
	case typ == "CREATE" && !exists:
		s = &stack{name: stackName, created: now, changeSets: map[string]*changeSet{},
			id: arnPrefix + "stack/" + stackName + "/" + shortHash("stack", stackName, fmt.Sprint(f.seq))}
		f.stacks[stackName] = s
		f.order = append(f.order, s)
		s.stackEvent(now, "REVIEW_IN_PROGRESS", "User Initiated")
	case typ == "UPDATE" && !exists:
		return nil, validationError("Stack [%s] does not exist", stackName)
	case typ == "UPDATE" && !slices.Contains(updatable, s.status):
		return nil, validationError("Stack:%s is in %s state and can not be updated.", s.id, s.status)
	case typ != "CREATE" && typ != "UPDATE":
		return nil, validationError("ChangeSetType %s is not supported by this fake", typ)
	}
	if _, dup := s.changeSets[name]; dup {
		return nil, &apiError{http.StatusBadRequest, "AlreadyExistsException", fmt.Sprintf("ChangeSet [%s] already exists", name)}
	}
	cs := &changeSet{
		name: name, id: arnPrefix + "changeSet/" + name + "/" + shortHash("cs", s.id, name, fmt.Sprint(f.seq)),
		typ: typ, status: "CREATE_IN_PROGRESS", exec: "UNAVAILABLE", body: body, tmpl: tmpl, params: params,
		capabilities: caps, created: now,
	}
	if typ == "UPDATE" && body == s.body && maps.Equal(params, s.params) {
		cs.final = func() { cs.status, cs.reason = "FAILED", NoChangesReason }
	} else {
		changes := s.changes(tmpl)
		cs.final = func() { cs.status, cs.exec, cs.changes = "CREATE_COMPLETE", "AVAILABLE", changes }
	}
	s.changeSets[name] = cs
	return createChangeSetResult{Id: cs.id, StackId: s.id}, nil
}

// findChangeSet finds a change set by name (with its stack) or by ARN.
func (f *Fake) findChangeSet(form url.Values) (*stack, *changeSet, error) {
	name, stackName := form.Get("ChangeSetName"), form.Get("StackName")
	if strings.HasPrefix(name, "arn:") {
		for _, s := range f.order {
			for _, cs := range s.changeSets {
				if cs.id == name {
					return s, cs, nil
				}
			}
		}
		return nil, nil, changeSetNotFound(name)
	}
	if stackName == "" {
		return nil, nil, validationError("StackName must be specified if ChangeSetName is not specified as an ARN.")
	}
	s, ok := f.lookup(stackName)
	if !ok {
		return nil, nil, changeSetNotFound(name)
	}
	cs, ok := s.changeSets[name]
	if !ok {
		return s, nil, changeSetNotFound(name)
	}
	return s, cs, nil
}

func (f *Fake) describeChangeSet(form url.Values) (any, error) {
	s, cs, err := f.findChangeSet(form)
	if s != nil {
		s.advance(f.now())
	}
	if err != nil {
		return nil, err
	}
	if cs.final != nil {
		cs.final()
		cs.final = nil
	}
	return describeChangeSetResult{
		ChangeSetName: cs.name, ChangeSetId: cs.id, StackId: s.id, StackName: s.name,
		CreationTime: timestamp(cs.created), ExecutionStatus: cs.exec, Status: cs.status, StatusReason: cs.reason,
		Parameters: sortedParams(cs.params), Capabilities: cs.capabilities, Changes: cs.changes,
	}, nil
}

func (f *Fake) executeChangeSet(form url.Values) (any, error) {
	s, cs, err := f.findChangeSet(form)
	if err != nil {
		return nil, err
	}
	if cs.status != "CREATE_COMPLETE" {
		return nil, &apiError{http.StatusBadRequest, "InvalidChangeSetStatus",
			fmt.Sprintf("ChangeSet [%s] cannot be executed in its current status of [%s]", cs.id, cs.status)}
	}
	if cs.exec != "AVAILABLE" {
		return nil, &apiError{http.StatusBadRequest, "InvalidChangeSetStatus",
			fmt.Sprintf("ChangeSet [%s] cannot be executed in its current execution status of [%s]", cs.id, cs.exec)}
	}
	if strings.HasSuffix(s.status, "_IN_PROGRESS") && s.status != "REVIEW_IN_PROGRESS" {
		return nil, validationError("Stack:%s is in %s state and can not be updated.", s.id, s.status)
	}
	s.execute(f.now(), cs)
	return emptyResult{}, nil
}

func (f *Fake) deleteChangeSet(form url.Values) (any, error) {
	s, cs, err := f.findChangeSet(form)
	if err != nil {
		return nil, err
	}
	// CloudFormation keeps a change set whose execution failed, and refuses
	// to delete it ("Cannot delete ChangeSet in execution status EXECUTE_FAILED").
	if cs.exec == "EXECUTE_IN_PROGRESS" || cs.exec == "EXECUTE_FAILED" {
		return nil, &apiError{http.StatusBadRequest, "InvalidChangeSetStatus",
			fmt.Sprintf("Cannot delete ChangeSet in execution status %s", cs.exec)}
	}
	delete(s.changeSets, cs.name)
	return emptyResult{}, nil
}
