package kiln.repository_test

import data.kiln.repository

infra(name, hops) := {"id": sprintf("InfrastructureConfiguration/%s", [name]), "kind": "InfrastructureConfiguration", "name": name, "spec": {"instanceMetadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": hops}}}

pipeline(name, field, infra_name) := {"id": sprintf("ImagePipeline/%s", [name]), "kind": "ImagePipeline", "name": name, "spec": {field: {"name": "r", "version": "1.0.0"}, "infrastructureConfiguration": infra_name}}

test_imds_hop_limit_deny_container_needs_two if {
	some r in repository.imds_hop_limit with input as {"resources": [infra("docker", 1), pipeline("app", "containerRecipe", "docker")]}
	r.resource == "InfrastructureConfiguration/docker"
	r.path == ["spec", "instanceMetadataOptions", "httpPutResponseHopLimit"]
}

test_imds_hop_limit_deny_ami_needs_one if {
	count(repository.imds_hop_limit) == 1 with input as {"resources": [infra("ami", 2), pipeline("base", "imageRecipe", "ami")]}
}

test_imds_hop_limit_pass if {
	count(repository.imds_hop_limit) == 0 with input as {"resources": [
		infra("ami", 1), pipeline("base", "imageRecipe", "ami"),
		infra("docker", 2), pipeline("app", "containerRecipe", "docker"),
		infra("unused", 3),
	]}
}
