package servertest

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// Send reports what DoWith would end the test for as an error, so a goroutine other than the
// test's can use it.
func TestSendReturnsFailures(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	s := &Server{t: t, URL: ts.URL}
	r, err := s.Send("GET", "/", "", nil)
	if err != nil || r.Status != http.StatusTeapot {
		t.Fatalf("answer %v, %v", r, err)
	}
	if _, err := s.Send("POST", "/", "", map[string]any{"c": make(chan int)}); err == nil {
		t.Fatal("a body that is not JSON was sent")
	}
	ts.Close()
	if _, err := s.Send("GET", "/", "", nil); err == nil {
		t.Fatal("a request to a closed server succeeded")
	}
}
