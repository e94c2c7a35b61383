/// <reference types="next" />
/// <reference types="next/image-types/global" />

// Global stylesheets are imported for their side effect only.
declare module '*.css';
