/** `kitten pause [svc...]`: pause a project's containers (all services, or the named ones). */
import { serviceVerb } from "../service-verb.ts";

export default serviceVerb("pause", "pause a project's containers");
