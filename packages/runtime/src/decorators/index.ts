export {
  DubboReference,
  type DubboReferenceOptions,
  type ReferenceMetadata,
  referenceMetadataOf,
} from "./reference-decorator.js";
export {
  DubboService,
  type DubboServiceOptions,
  type ServiceMetadata,
  serviceMetadataOf,
} from "./service-decorator.js";
