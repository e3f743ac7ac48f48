/** `kitten unpause [svc...]`: unpause a project's containers (all services, or the named ones). */
import { serviceVerb } from "../service-verb.ts";

export default serviceVerb("unpause", "unpause a project's containers");
