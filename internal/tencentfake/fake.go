// Package tencentfake is an in-process fake of Tencent Cloud's API 3.0 for tests: SMS
// (SendSms, DescribeSmsTemplateList, version 2021-01-11) and SES (SendEmail, ListEmailAddress,
// version 2020-10-02).
//
// Like the real service it verifies the TC3-HMAC-SHA256 signature of every request against a
// SecretId→SecretKey map and answers in Tencent's response shapes, errors included, with HTTP
// 200. Tests can make it fail an action, fail single phone numbers inside a successful SendSms
// (Tencent's per-number status), or answer slowly; it records every request it receives.
package tencentfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Versions of the APIs the fake serves.
const (
	SMSVersion = "2021-01-11"
	SESVersion = "2020-10-02"
)

var actions = map[string]struct{ service, version string }{
	"SendSms":                 {"sms", SMSVersion},
	"DescribeSmsTemplateList": {"sms", SMSVersion},
	"SendEmail":               {"ses", SESVersion},
	"ListEmailAddress":        {"ses", SESVersion},
}

// Request is one request the fake received.
type Request struct {
	Action   string
	Version  string
	Region   string
	Service  string // from the signature's credential scope
	SecretID string
	// AuthError is the error code the request was refused with when its signature failed.
	AuthError string
	// Params is the JSON body, numbers kept as json.Number.
	Params map[string]any
}

// Strings returns Params[key] as a []string (for PhoneNumberSet, TemplateParamSet ...).
func (r Request) Strings(key string) []string {
	raw, _ := r.Params[key].([]any)
	out := make([]string, 0, len(raw))
	for _, v := range raw {
		out = append(out, fmt.Sprint(v))
	}
	return out
}

// String returns Params[key] formatted as a string, "" when absent.
func (r Request) String(key string) string {
	v, ok := r.Params[key]
	if !ok || v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// Server is the fake. Its zero value is not usable; call New.
type Server struct {
	srv  *httptest.Server
	keys map[string]string
	now  func() time.Time

	mu         sync.Mutex
	requests   []Request
	actionErrs map[string]APIError
	numberErrs map[string]APIError
	delay      time.Duration
	serial     int
}

// New starts a fake accepting the given SecretId→SecretKey pairs; it stops when tb ends.
func New(tb testing.TB, keys map[string]string) *Server {
	s := &Server{
		keys:       keys,
		now:        time.Now,
		actionErrs: map[string]APIError{},
		numberErrs: map[string]APIError{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	tb.Cleanup(s.srv.Close)
	return s
}

// Endpoint is the fake's host:port, for a connector's "endpoint" setting (scheme "http").
func (s *Server) Endpoint() string { return strings.TrimPrefix(s.srv.URL, "http://") }

// Fail makes every later call of action answer with the error code and message; an empty code
// clears it.
func (s *Server) Fail(action, code, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == "" {
		delete(s.actionErrs, action)
		return
	}
	s.actionErrs[action] = APIError{code, message}
}

// FailNumber makes SendSms report code for phone (E.164) in its SendStatusSet, with HTTP 200
// and the other numbers succeeding, as Tencent does; an empty code clears it.
func (s *Server) FailNumber(phone, code, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == "" {
		delete(s.numberErrs, phone)
		return
	}
	s.numberErrs[phone] = APIError{code, message}
}

// SetDelay makes every later answer wait d (or until the client goes away).
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Requests returns a copy of the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Actions returns the actions received so far, in order.
func (s *Server) Actions() []string {
	var out []string
	for _, r := range s.Requests() {
		out = append(out, r.Action)
	}
	return out
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := s.nextRequestID()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, requestID, APIError{"InvalidRequest", "cannot read body"})
		return
	}
	headers := map[string]string{"host": r.Host}
	for k, v := range r.Header {
		if len(v) > 0 {
			headers[strings.ToLower(k)] = v[0]
		}
	}
	rec := Request{
		Action:  r.Header.Get("X-TC-Action"),
		Version: r.Header.Get("X-TC-Version"),
		Region:  r.Header.Get("X-TC-Region"),
	}
	if len(body) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&rec.Params); err != nil {
			s.record(rec)
			writeError(w, requestID, APIError{"InvalidParameter", "body is not JSON"})
			return
		}
	}
	id, service, authErr := Verify(SignedRequest{
		Method:        r.Method,
		Query:         r.URL.RawQuery,
		Headers:       headers,
		Payload:       body,
		Authorization: r.Header.Get("Authorization"),
		Timestamp:     r.Header.Get("X-TC-Timestamp"),
	}, s.keys, s.now())
	rec.SecretID, rec.Service = id, service
	if authErr != nil {
		rec.AuthError = authErr.Code
		s.record(rec)
		writeError(w, requestID, *authErr)
		return
	}
	s.record(rec)

	s.mu.Lock()
	delay := s.delay
	failure, failing := s.actionErrs[rec.Action]
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}

	spec, known := actions[rec.Action]
	switch {
	case !known:
		writeError(w, requestID, APIError{"InvalidAction", "unknown action " + rec.Action})
		return
	case spec.service != service:
		writeError(w, requestID, APIError{"AuthFailure.SignatureFailure", "credential scope service does not match the action"})
		return
	case spec.version != rec.Version:
		writeError(w, requestID, APIError{"NoSuchVersion", "unknown version " + rec.Version})
		return
	case rec.Region == "":
		writeError(w, requestID, APIError{"MissingParameter", "X-TC-Region is required"})
		return
	case failing:
		writeError(w, requestID, failure)
		return
	}

	var result map[string]any
	var apiErr *APIError
	switch rec.Action {
	case "SendSms":
		result, apiErr = s.sendSms(rec)
	case "DescribeSmsTemplateList":
		result, apiErr = describeSmsTemplateList(rec)
	case "SendEmail":
		result, apiErr = s.sendEmail(rec)
	case "ListEmailAddress":
		result = map[string]any{"EmailSenders": []map[string]any{{
			"EmailAddress": "noreply@mail.example.com", "EmailSenderName": "Example", "CreatedTimestamp": 1602143617,
		}}}
	}
	if apiErr != nil {
		writeError(w, requestID, *apiErr)
		return
	}
	result["RequestId"] = requestID
	writeJSON(w, map[string]any{"Response": result})
}

func (s *Server) sendSms(rec Request) (map[string]any, *APIError) {
	if rec.String("SmsSdkAppId") == "" {
		return nil, &APIError{"MissingParameter", "SmsSdkAppId is required"}
	}
	if rec.String("TemplateId") == "" {
		return nil, &APIError{"MissingParameter", "TemplateId is required"}
	}
	numbers := rec.Strings("PhoneNumberSet")
	if len(numbers) == 0 {
		return nil, &APIError{"MissingParameter", "PhoneNumberSet is required"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var set []map[string]any
	for _, n := range numbers {
		s.serial++
		st := map[string]any{
			"SerialNo":       fmt.Sprintf("2640:%019d", s.serial),
			"PhoneNumber":    n,
			"Fee":            1,
			"SessionContext": rec.String("SessionContext"),
			"Code":           "Ok",
			"Message":        "send success",
			"IsoCode":        isoCode(n),
		}
		if e, ok := s.numberErrs[n]; ok {
			st["SerialNo"], st["Fee"], st["Code"], st["Message"] = "", 0, e.Code, e.Message
		} else if !strings.HasPrefix(n, "+") {
			st["SerialNo"], st["Fee"], st["Code"], st["Message"] = "", 0, "InvalidParameterValue.IncorrectPhoneNumber", "incorrect phone number"
		}
		set = append(set, st)
	}
	return map[string]any{"SendStatusSet": set}, nil
}

func isoCode(n string) string {
	switch {
	case strings.HasPrefix(n, "+86"):
		return "CN"
	case strings.HasPrefix(n, "+852"):
		return "HK"
	case strings.HasPrefix(n, "+1"):
		return "US"
	}
	return "XX"
}

func describeSmsTemplateList(rec Request) (map[string]any, *APIError) {
	if rec.String("International") == "" {
		return nil, &APIError{"MissingParameter", "International is required"}
	}
	ids := rec.Strings("TemplateIdSet")
	if len(ids) == 0 {
		if rec.String("Limit") == "" {
			return nil, &APIError{"MissingParameter", "Limit is required without TemplateIdSet"}
		}
		ids = []string{"1000001"}
	}
	var set []map[string]any
	for _, id := range ids {
		var n json.Number = json.Number(id)
		set = append(set, map[string]any{
			"TemplateId": n, "International": 0, "StatusCode": 0, "ReviewReply": "",
			"TemplateName": "verification", "CreateTime": 1617379200, "TemplateContent": "Your code is {1}, valid for {2} minutes.",
		})
	}
	return map[string]any{"DescribeTemplateStatusSet": set}, nil
}

func (s *Server) sendEmail(rec Request) (map[string]any, *APIError) {
	if rec.String("FromEmailAddress") == "" {
		return nil, &APIError{"MissingParameter", "FromEmailAddress is required"}
	}
	if rec.String("Subject") == "" {
		return nil, &APIError{"MissingParameter", "Subject is required"}
	}
	if len(rec.Strings("Destination")) == 0 {
		return nil, &APIError{"MissingParameter", "Destination is required"}
	}
	tpl, _ := rec.Params["Template"].(map[string]any)
	if tpl == nil || tpl["TemplateID"] == nil {
		return nil, &APIError{"InvalidParameterValue.TemplateNotExist", "template does not exist"}
	}
	if data, _ := tpl["TemplateData"].(string); data != "" && !json.Valid([]byte(data)) {
		return nil, &APIError{"InvalidParameterValue.TemplateDataError", "TemplateData is not JSON"}
	}
	s.mu.Lock()
	s.serial++
	n := s.serial
	s.mu.Unlock()
	return map[string]any{"MessageId": fmt.Sprintf("qcloudses-30-4123414323-date-20210101094334-%010d", n)}, nil
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r)
}

func (s *Server) nextRequestID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.serial++
	return fmt.Sprintf("fake-%08d-0000-4000-8000-000000000000", s.serial)
}

func writeError(w http.ResponseWriter, requestID string, e APIError) {
	writeJSON(w, map[string]any{"Response": map[string]any{
		"Error":     map[string]string{"Code": e.Code, "Message": e.Message},
		"RequestId": requestID,
	}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
