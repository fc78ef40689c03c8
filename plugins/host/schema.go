package host

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// compileSchema compiles a connector type's config schema once, at registration. It must be an
// object schema: configurations are JSON objects.
func compileSchema(name string, raw []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("config schema is not JSON: %w", err)
	}
	obj, ok := doc.(map[string]any)
	if !ok || obj["type"] != "object" {
		return nil, fmt.Errorf("config schema must be an object schema (\"type\": \"object\")")
	}
	c := jsonschema.NewCompiler()
	url := "gatehouse-connector:///" + name + "/config.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("add config schema: %w", err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("compile config schema: %w", err)
	}
	return sch, nil
}

// secretFields are the top-level properties marked "writeOnly": true, sorted.
func secretFields(raw []byte) []string {
	var s struct {
		Properties map[string]struct {
			WriteOnly bool `json:"writeOnly"`
		} `json:"properties"`
	}
	if json.Unmarshal(raw, &s) != nil {
		return nil
	}
	var out []string
	for name, p := range s.Properties {
		if p.WriteOnly {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

var printer = message.NewPrinter(language.English)

// checkConfig validates config against the type's schema and reports every violation as a
// field error named config.<path>. Violation messages name the expected shape, never the
// offending value, so a misplaced secret does not end up in the error.
func checkConfig(sch *jsonschema.Schema, config []byte) []domain.FieldError {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(config))
	if err != nil {
		return []domain.FieldError{{Field: "config", Reason: "must be a JSON object"}}
	}
	err = sch.Validate(inst)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return []domain.FieldError{{Field: "config", Reason: "does not match the connector's schema"}}
	}
	var out []domain.FieldError
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			field := "config"
			if len(e.InstanceLocation) > 0 {
				field += "." + strings.Join(e.InstanceLocation, ".")
			}
			out = append(out, domain.FieldError{Field: field, Reason: violation(e.ErrorKind)})
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return out
}

// violation says what a config value should have been without quoting it: the validator's own
// messages quote the value (a pattern's, a format's, a bound's), which would echo a secret
// pasted into the wrong field. Kinds whose messages carry no value keep them.
func violation(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Type, *kind.Required, *kind.AdditionalProperties, *kind.MinLength, *kind.MaxLength,
		*kind.MinItems, *kind.MaxItems, *kind.MinProperties, *kind.MaxProperties, *kind.UniqueItems:
		return k.LocalizedString(printer)
	case *kind.Pattern:
		return "does not match pattern " + k.Want
	case *kind.Format:
		return "is not a valid " + k.Want
	case *kind.Enum:
		return "is not one of the allowed values"
	case *kind.Const:
		return "is not the allowed value"
	case *kind.Minimum:
		return "must be at least " + k.Want.RatString()
	case *kind.Maximum:
		return "must be at most " + k.Want.RatString()
	case *kind.ExclusiveMinimum:
		return "must be more than " + k.Want.RatString()
	case *kind.ExclusiveMaximum:
		return "must be less than " + k.Want.RatString()
	}
	return "does not match the connector's schema"
}
