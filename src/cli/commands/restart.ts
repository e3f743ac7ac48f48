/** `kitten restart [svc...]`: restart a project's containers (all services, or the named ones). */
import { serviceVerb } from "../service-verb.ts";

export default serviceVerb("restart", "restart a project's containers");
