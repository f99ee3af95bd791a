package cfnfake

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"time"
)

// xmlns is the namespace of CloudFormation's query API responses.
const xmlns = "http://cloudformation.amazonaws.com/doc/2010-05-15/"

// apiError is an error answered as an awsQuery ErrorResponse.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func validationError(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "ValidationError", fmt.Sprintf(format, args...)}
}

func changeSetNotFound(name string) *apiError {
	return &apiError{http.StatusNotFound, "ChangeSetNotFound", fmt.Sprintf("ChangeSet [%s] does not exist", name)}
}

type errorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

func writeXML(w http.ResponseWriter, status int, v any) {
	out, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(out)
}

// writeResult answers <ActionResponse><ActionResult>body</ActionResult>
// <ResponseMetadata><RequestId/></ResponseMetadata></ActionResponse>.
func writeResult(w http.ResponseWriter, action, requestID string, body any) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	resp := xml.StartElement{Name: xml.Name{Local: action + "Response"}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: xmlns}}}
	err := enc.EncodeToken(resp)
	if err == nil {
		err = enc.EncodeElement(body, xml.StartElement{Name: xml.Name{Local: action + "Result"}})
	}
	if err == nil {
		err = enc.EncodeElement(struct {
			RequestID string `xml:"RequestId"`
		}{requestID}, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}})
	}
	if err == nil {
		err = enc.EncodeToken(resp.End())
	}
	if err == nil {
		err = enc.Flush()
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write(b.Bytes())
}

func writeError(w http.ResponseWriter, requestID string, e *apiError) {
	typ := "Sender"
	if e.status >= 500 {
		typ = "Receiver"
	}
	writeXML(w, e.status, errorResponse{Xmlns: xmlns, Type: typ, Code: e.code, Message: e.msg, RequestID: requestID})
}

// timestamp is CloudFormation's ISO 8601 form.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

type xmlParameter struct {
	ParameterKey   string
	ParameterValue string
}

type xmlOutput struct {
	OutputKey   string
	OutputValue string
	Description string `xml:",omitempty"`
}

type xmlStack struct {
	StackId           string
	StackName         string
	ChangeSetId       string `xml:",omitempty"`
	CreationTime      string
	LastUpdatedTime   string `xml:",omitempty"`
	StackStatus       string
	StackStatusReason string         `xml:",omitempty"`
	Parameters        []xmlParameter `xml:"Parameters>member"`
	Capabilities      []string       `xml:"Capabilities>member"`
	Outputs           []xmlOutput    `xml:"Outputs>member"`
}

type describeStacksResult struct {
	Stacks []xmlStack `xml:"Stacks>member"`
}

type xmlEvent struct {
	StackId              string
	EventId              string
	StackName            string
	LogicalResourceId    string
	PhysicalResourceId   string
	ResourceType         string
	Timestamp            string
	ResourceStatus       string
	ResourceStatusReason string `xml:",omitempty"`
}

type describeStackEventsResult struct {
	StackEvents []xmlEvent `xml:"StackEvents>member"`
	NextToken   string     `xml:",omitempty"`
}

type xmlResourceChange struct {
	Action            string
	LogicalResourceId string
	ResourceType      string
}

type xmlChange struct {
	Type           string
	ResourceChange xmlResourceChange
}

type describeChangeSetResult struct {
	ChangeSetName   string
	ChangeSetId     string
	StackId         string
	StackName       string
	CreationTime    string
	ExecutionStatus string
	Status          string
	StatusReason    string         `xml:",omitempty"`
	Parameters      []xmlParameter `xml:"Parameters>member"`
	Capabilities    []string       `xml:"Capabilities>member"`
	Changes         []xmlChange    `xml:"Changes>member"`
}

type createChangeSetResult struct {
	Id      string
	StackId string
}

type emptyResult struct{}
