package tencentcloud

import (
	"fmt"

	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

// TemplateValues returns the values of the variables msg's provider template uses, in the
// order Template.Params names them. Each is looked up by name rather than taken from wherever
// it happens to sit; one the message does not carry is an invalid_config error.
func TemplateValues(msg connector.Message) ([]string, error) {
	values := make([]string, len(msg.Template.Params))
	for i, name := range msg.Template.Params {
		v, ok := msg.Variables[name]
		if !ok {
			return nil, connector.InvalidConfig(fmt.Sprintf("template %s uses variable %q, which this message does not carry", msg.Template.ID, name),
				connector.FieldError{Field: "templates", Reason: "unknown variable " + name})
		}
		values[i] = v
	}
	return values, nil
}
