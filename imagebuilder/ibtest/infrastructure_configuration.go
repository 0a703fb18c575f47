package ibtest

var infrastructureHandlers = map[string]handler{
	"CreateInfrastructureConfiguration": (*Server).createInfra,
	"UpdateInfrastructureConfiguration": (*Server).updateInfra,
	"GetInfrastructureConfiguration":    (*Server).getInfra,
	"ListInfrastructureConfigurations":  (*Server).listInfra,
	"DeleteInfrastructureConfiguration": (*Server).deleteInfra,
}

// An infrastructure configuration refers to nothing the emulator holds
// (instance profiles, subnets and topics live in other services), and the
// model checks its members.
func checkInfra(map[string]any) ([]string, error) { return nil, nil }

func (s *Server) createInfra(body map[string]any) (map[string]any, error) {
	return s.createConfig("CreateInfrastructureConfiguration", typeInfra, "infrastructureConfigurationArn", body, checkInfra)
}

func (s *Server) updateInfra(body map[string]any) (map[string]any, error) {
	return s.updateConfig("UpdateInfrastructureConfiguration", typeInfra, "infrastructureConfigurationArn", body, checkInfra)
}

func (s *Server) getInfra(in map[string]any) (map[string]any, error) {
	r, err := s.lookup(typeInfra, str(in, "infrastructureConfigurationArn"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"infrastructureConfiguration": s.resourceOut(r, "InfrastructureConfiguration")}, nil
}

func (s *Server) listInfra(body map[string]any) (map[string]any, error) {
	var list []map[string]any
	for _, r := range s.sorted(typeInfra) {
		if !s.listed(r) {
			continue
		}
		if ok, err := filtersMatch(body, map[string]string{"name": r.name}); err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		list = append(list, s.resourceOut(r, "InfrastructureConfigurationSummary"))
	}
	return s.listPage(body, "infrastructureConfigurationSummaryList", list)
}

func (s *Server) deleteInfra(in map[string]any) (map[string]any, error) {
	a := str(in, "infrastructureConfigurationArn")
	if err := s.remove(typeInfra, a); err != nil {
		return nil, err
	}
	return map[string]any{"infrastructureConfigurationArn": a}, nil
}
