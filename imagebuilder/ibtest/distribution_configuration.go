package ibtest

var distributionHandlers = map[string]handler{
	"CreateDistributionConfiguration": (*Server).createDist,
	"UpdateDistributionConfiguration": (*Server).updateDist,
	"GetDistributionConfiguration":    (*Server).getDist,
	"ListDistributionConfigurations":  (*Server).listDist,
	"DeleteDistributionConfiguration": (*Server).deleteDist,
}

// defaultDistributionTimeout is the timeoutMinutes the service sets when
// a request leaves it out (720 minutes, the model's maximum).
const defaultDistributionTimeout = 720

func checkDist(body map[string]any) ([]string, error) {
	if body["timeoutMinutes"] == nil {
		body["timeoutMinutes"] = float64(defaultDistributionTimeout)
	}
	list, _ := body["distributions"].([]any)
	if len(list) == 0 {
		return nil, invalid("distributions needs at least one region")
	}
	seen := map[string]bool{}
	for i, d := range list {
		dm, ok := d.(map[string]any)
		if !ok {
			return nil, invalid("distributions[%d] must be an object", i)
		}
		r := str(dm, "region")
		if r == "" {
			return nil, invalid("distributions[%d]: region is required", i)
		}
		if seen[r] {
			return nil, invalid("distributions[%d]: region %s appears twice", i, r)
		}
		seen[r] = true
	}
	return nil, nil
}

func (s *Server) createDist(body map[string]any) (map[string]any, error) {
	return s.createConfig("CreateDistributionConfiguration", typeDist, "distributionConfigurationArn", body, checkDist)
}

func (s *Server) updateDist(body map[string]any) (map[string]any, error) {
	return s.updateConfig("UpdateDistributionConfiguration", typeDist, "distributionConfigurationArn", body, checkDist)
}

func (s *Server) getDist(in map[string]any) (map[string]any, error) {
	r, err := s.lookup(typeDist, str(in, "distributionConfigurationArn"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"distributionConfiguration": s.resourceOut(r, "DistributionConfiguration")}, nil
}

func distRegions(fields map[string]any) []string {
	var out []string
	list, _ := fields["distributions"].([]any)
	for _, d := range list {
		out = append(out, str(d.(map[string]any), "region"))
	}
	return out
}

func (s *Server) listDist(body map[string]any) (map[string]any, error) {
	var list []map[string]any
	for _, r := range s.sorted(typeDist) {
		if !s.listed(r) {
			continue
		}
		if ok, err := filtersMatch(body, map[string]string{"name": r.name}); err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		item := s.resourceOut(r, "DistributionConfigurationSummary")
		item["regions"] = distRegions(r.fields)
		list = append(list, item)
	}
	return s.listPage(body, "distributionConfigurationSummaryList", list)
}

func (s *Server) deleteDist(in map[string]any) (map[string]any, error) {
	a := str(in, "distributionConfigurationArn")
	if err := s.remove(typeDist, a); err != nil {
		return nil, err
	}
	return map[string]any{"distributionConfigurationArn": a}, nil
}
