package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"github.com/gatehouse-iam/gatehouse/connectors/internal/clientcache"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

// executor is what text/template and html/template templates share.
type executor interface {
	Execute(w *bytes.Buffer, data any) error
}

type textExec struct{ t *texttemplate.Template }

func (e textExec) Execute(w *bytes.Buffer, data any) error { return e.t.Execute(w, data) }

type htmlExec struct{ t *htmltemplate.Template }

func (e htmlExec) Execute(w *bytes.Buffer, data any) error { return e.t.Execute(w, data) }

// templateCache keeps parsed templates by kind and source: the same few templates are sent
// over and over, and parsing (html/template's escaper especially) costs more than executing.
type templateCache struct {
	c *clientcache.Cache[executor]
}

func newTemplateCache(size int) *templateCache {
	return &templateCache{c: clientcache.New[executor](size, nil)}
}

func (tc *templateCache) get(kind, field, src string) (executor, error) {
	sum := sha256.Sum256([]byte(kind + "\x00" + src))
	return tc.c.Get(hex.EncodeToString(sum[:]), func() (executor, error) {
		var (
			e   executor
			err error
		)
		if kind == "html" {
			var t *htmltemplate.Template
			t, err = htmltemplate.New(field).Option("missingkey=error").Parse(src)
			e = htmlExec{t}
		} else {
			var t *texttemplate.Template
			t, err = texttemplate.New(field).Option("missingkey=error").Parse(src)
			e = textExec{t}
		}
		if err != nil {
			return nil, connector.InvalidConfig("template does not parse", connector.FieldError{Field: "templates", Reason: field + ": " + err.Error()})
		}
		return e, nil
	})
}

type rendered struct {
	subject, text, html string
}

// render executes the message's content template over its variables. The subject and text
// body are text/template; the HTML body is html/template, so variables are HTML-escaped there.
// A variable the message does not carry is an error (missingkey=error), never "<no value>".
func (tc *templateCache) render(msg connector.Message) (rendered, error) {
	var out rendered
	t := msg.Template
	if strings.TrimSpace(t.Subject) == "" {
		return out, connector.InvalidConfig("an SMTP template needs a subject for usage "+string(msg.Usage),
			connector.FieldError{Field: "templates", Reason: "subject is required"})
	}
	if strings.TrimSpace(t.Body) == "" {
		return out, connector.InvalidConfig("an SMTP template needs a plain-text body for usage "+string(msg.Usage),
			connector.FieldError{Field: "templates", Reason: "body is required"})
	}
	data := msg.Variables
	if data == nil {
		data = map[string]string{}
	}
	exec := func(kind, field, src string) (string, error) {
		e, err := tc.get(kind, field, src)
		if err != nil {
			return "", err
		}
		var b bytes.Buffer
		if err := e.Execute(&b, data); err != nil {
			return "", connector.InvalidConfig("template does not render", connector.FieldError{Field: "templates", Reason: field + ": " + err.Error()})
		}
		return b.String(), nil
	}
	var err error
	if out.subject, err = exec("text", "subject", t.Subject); err != nil {
		return out, err
	}
	// A header cannot span lines; a variable must not be able to inject headers.
	out.subject = strings.Join(strings.Fields(out.subject), " ")
	if out.text, err = exec("text", "body", t.Body); err != nil {
		return out, err
	}
	if t.HTMLBody != "" {
		if out.html, err = exec("html", "html_body", t.HTMLBody); err != nil {
			return out, err
		}
	}
	return out, nil
}
